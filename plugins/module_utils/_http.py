# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one HTTP client of the collection: every request it sends (the token request and every API call) goes through
send(). One proxy rule, one deadline per attempt, one retry and Retry-After rule (urllib3's Retry), one body reader
and one wording of TLS, proxy and network failures."""

from __future__ import annotations

import codecs
import contextlib
import json
import random
import socket
import threading
import time
import warnings
from urllib.parse import urlsplit
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._response import bounded, scrub
from ansible_collections.netfoundry.api.plugins.module_utils._endpoint import display_url, is_loopback

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.exceptions import InsecureRequestWarning, InvalidHeader, MaxRetryError
    from urllib3.util.retry import Retry
    HAS_REQUESTS = True
except ImportError:
    HAS_REQUESTS = False
    Retry = HTTPAdapter = object  # type: ignore[misc,assignment]

RETRY_STATUSES = (429, 500, 502, 503, 504)
BACKOFF_MAX = 30.0
RETRY_AFTER_CAP = 30  # seconds: a longer Retry-After is cut to this
LONGEST_WAIT = max(BACKOFF_MAX, RETRY_AFTER_CAP)  # the longest pause before a retry
MAX_BODY_BYTES = 1024 * 1024  # a token endpoint's answer
MAX_API_BYTES = 16 * 1024 * 1024  # one API answer
CA_BUNDLE_ENV = ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE')


class _Retry(Retry):
    """urllib3's Retry, plus: jittered backoff, a capped Retry-After, and a callback per retry."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.on_retry = kwargs.pop('on_retry', None)
        self.ends_by = kwargs.pop('ends_by', None)
        self.planned_backoff: Optional[float] = None
        super().__init__(*args, **kwargs)

    def new(self, **kwargs: Any) -> _Retry:
        kwargs.setdefault('on_retry', self.on_retry)
        kwargs.setdefault('ends_by', self.ends_by)
        return super().new(**kwargs)

    def get_backoff_time(self) -> float:
        if self.planned_backoff is not None:
            return self.planned_backoff
        return backoff(self.backoff_factor, len(self.history))

    def get_retry_after(self, response: Any) -> Optional[float]:
        try:
            seconds = super().get_retry_after(response)
        except InvalidHeader:  # a malformed Retry-After means: use the backoff
            return None
        return None if seconds is None else min(max(seconds, 0), RETRY_AFTER_CAP)

    def increment(self, method: Optional[str] = None, url: Optional[str] = None, response: Any = None,
                  error: Optional[Exception] = None, _pool: Any = None, _stacktrace: Any = None) -> _Retry:
        if error is not None and host_not_found(error):
            raise MaxRetryError(_pool, url, error)  # the name does not exist: asking again changes nothing
        new = super().increment(method, url, response, error, _pool, _stacktrace)
        wait = new.get_retry_after(response) if response is not None else None
        if wait is None:
            # Fixed now, so that the warning names the wait urllib3 then sleeps.
            wait = new.planned_backoff = new.get_backoff_time()
        if self.ends_by is not None and time.monotonic() + wait >= self.ends_by:
            # The caller's deadline comes first: no retry, and no Retry-After wait, that would end after it (the last
            # answer, a 429 or a 503, is then the answer).
            raise MaxRetryError(_pool, url, error)
        if self.on_retry:
            reason = 'HTTP %d' % response.status if response is not None and error is None else describe(error)
            self.on_retry(len(new.history), reason, wait)
        return new


# What getaddrinfo says when the name does not exist (NXDOMAIN) or has no address, as opposed to EAI_AGAIN (a
# resolver that could not answer now), which is worth another attempt.
NO_SUCH_HOST = frozenset(getattr(socket, name) for name in ('EAI_NONAME', 'EAI_NODATA') if hasattr(socket, name))


def host_not_found(error: Optional[BaseException]) -> bool:
    """Whether a connection error comes from a host name that does not resolve (looked for down the chain of causes:
    urllib3 2 keeps the resolver's error as reason, urllib3 1.26 as the context)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, socket.gaierror):
            return error.errno in NO_SUCH_HOST
        reason = getattr(error, 'reason', None)  # an exception, or words in some of urllib3's errors
        error = reason if isinstance(reason, BaseException) else error.__cause__ or error.__context__
    return False


class _Deadline:
    """Ends an attempt that runs longer than seconds in all: the socket timeout bounds each read only, and a server
    that trickles its headers or body a byte at a time would otherwise hold the task for ever. The clock starts
    when an attempt connects (or sends its request on a kept-alive connection); at the deadline a timer shuts the
    connection down, and the read in progress ends."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._timer: Optional[threading.Timer] = None
        self._sockets: List[socket.socket] = []

    def watch(self, sock: socket.socket) -> socket.socket:
        """A duplicate of a new connection's socket, kept to shut it down: TLS wraps (and detaches) the original."""
        duplicate = sock.dup()
        self._sockets.append(duplicate)
        return duplicate

    def start(self, duplicate: socket.socket) -> None:
        self._cancel()
        self.expired = False
        self._timer = threading.Timer(self.seconds, self._expire, (duplicate,))
        self._timer.daemon = True
        self._timer.start()

    def _expire(self, duplicate: socket.socket) -> None:
        self.expired = True
        with contextlib.suppress(OSError):
            duplicate.shutdown(socket.SHUT_RDWR)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def stop(self) -> None:
        self._cancel()
        for duplicate in self._sockets:
            duplicate.close()
        self._sockets = []


def _watched_pools(deadline: _Deadline) -> Dict[str, type]:
    """urllib3 pool classes whose connections run each attempt against deadline."""

    def watched(base: type) -> type:
        class Connection(base):
            _nf_socket = None  # the deadline's duplicate of this connection's socket
            _nf_fresh = False  # connected during the attempt in progress (its clock already runs)

            def _new_conn(self) -> socket.socket:
                sock = super()._new_conn()
                self._nf_socket = deadline.watch(sock)
                self._nf_fresh = True
                deadline.start(self._nf_socket)
                return sock

            def request(self, *args: Any, **kwargs: Any) -> Any:  # pylint: disable=arguments-differ
                if self._nf_socket is not None and not self._nf_fresh:
                    deadline.start(self._nf_socket)  # a new attempt on a kept-alive connection
                try:
                    return super().request(*args, **kwargs)
                finally:
                    self._nf_fresh = False
        return Connection
    return {'http': type('Pool', (HTTPConnectionPool,), dict(ConnectionCls=watched(HTTPConnection))),
            'https': type('Pool', (HTTPSConnectionPool,), dict(ConnectionCls=watched(HTTPSConnection)))}


class _Adapter(HTTPAdapter):
    """requests' adapter, on the watched pools, direct or through a proxy."""

    def __init__(self, pools: Dict[str, type], **kwargs: Any) -> None:
        self._pools = pools
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pools

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = self._pools
        return manager


def backoff(factor: float, retries: int) -> float:
    """The wait before retry number retries: about factor * 2^(retries-1), jittered, at most BACKOFF_MAX."""
    if retries == 0 or not factor:
        return 0
    base = min(BACKOFF_MAX, factor * (2 ** (retries - 1)))
    return base / 2 + random.uniform(0, base / 2)


class Target:
    """Whose server a request goes to, and how its failures read: label opens every warning ('token request to
    https://...', 'GET https://...'); url_words and server name what to check; retry says whether an attempt that
    failed may be sent again (a POST or PATCH to the API that failed after it was sent may have been applied)."""

    def __init__(self, label: str, url_words: str, server: str, retry: bool, max_bytes: int, large_fix: str) -> None:
        self.label = label
        self.url_words = url_words
        self.server = server
        self.retry = retry
        self.max_bytes = max_bytes
        self.large_fix = large_fix

    @classmethod
    def token(cls, url: str) -> Target:
        return cls('token request to %s' % display_url(url), 'token_url', 'the identity provider', True,
                   MAX_BODY_BYTES, 'check token_url')

    @classmethod
    def api(cls, method: str, url: str, retry: bool, max_bytes: int = MAX_API_BYTES) -> Target:
        return cls('%s %s' % (method, display_url(url)),
                   'the API URL (option audience, or the environment the token URL names)', 'the API', retry, max_bytes,
                   'ask for smaller pages (query size)')


class _BrokenAnswer(Exception):
    """The connection broke after the status line, while the body was read (urllib3's Retry is over by then)."""

    def __init__(self, attempts: int, cause: str, late: bool = False) -> None:
        super().__init__(cause)
        self.attempts = attempts
        self.cause = cause
        self.late = late


class Answer:
    """What the server said: status, headers, body (at most the target's max_bytes), how many attempts it took and
    the seconds they took."""

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes, attempts: int, elapsed: float = 0.0) -> None:
        self.status = status
        self.headers = headers
        self.content_type = headers.get('Content-Type', '')
        self.location = headers.get('Location')
        self.body = body
        self.attempts = attempts
        self.elapsed = elapsed

    def text(self) -> str:
        """The body as text: in the charset the Content-Type names when Python knows it as a text encoding, else
        UTF-8; undecodable bytes (and lone surrogates, which ansible-core cannot serialise) become U+FFFD."""
        encoding = charset(self.content_type) or 'utf-8'
        try:
            codecs.lookup(encoding)
            text = self.body.decode(encoding, 'replace')
        except (LookupError, UnicodeError, ValueError, TypeError):  # unknown, or not a text encoding (base64...)
            text = self.body.decode('utf-8', 'replace')
        return scrub(text)

    def json(self) -> Any:
        """The body's JSON value, or None when it is not JSON or is nested deeper than MAX_JSON_DEPTH."""
        text = self.text()
        try:
            return bounded(json.loads(text), '\\u' in text)
        except (ValueError, RecursionError):  # RecursionError: thousands of nested arrays
            return None


def charset(content_type: str) -> Optional[str]:
    """The charset parameter of a Content-Type, or None."""
    for parameter in (content_type or '').split(';')[1:]:
        name, _sep, value = parameter.partition('=')
        if name.strip().lower() == 'charset':
            return value.strip().strip('"\'') or None
    return None


def _attempts(count: int) -> str:
    return '%d attempt%s' % (count, '' if count == 1 else 's')


def describe(error: Optional[BaseException]) -> str:
    """A short cause for a low-level connection error."""
    text = str(error)
    lowered = text.lower()
    for needle, reason in (
        ('refused', 'connection refused'),
        ('incompleteread', 'the answer was cut short'),
        ('name or service not known', 'host name not found'),
        ('nodename nor servname', 'host name not found'),
        ('temporary failure in name resolution', 'host name not found'),
        ('failed to resolve', 'host name not found'),
        ('reset by peer', 'connection reset'),
        ('connection broken', 'connection broken'),
        ('remotedisconnected', 'connection closed without an answer'),
        ('remote end closed', 'connection closed without an answer'),
        ('connection aborted', 'connection closed without an answer'),
        ('read timed out', 'read timed out'),
        ('timed out', 'timed out'),
    ):
        if needle in lowered:
            return reason
    return type(error).__name__


# What an attempt that ran into its deadline is reported as: the same as a read that timed out (whichever of the two
# fires first when a server says nothing, the user reads the same words).
LATE = 'read timed out'


def _seconds(value: float) -> str:
    return '%g' % round(value, 1)


def _network_failure(error: Optional[BaseException], timeout: float, attempts: int, target: Optional[Target] = None,
                     late: bool = False) -> str:
    """The message for a connection that failed or timed out on its last attempt."""
    target = target or Target.token('')
    cause = LATE if late else describe(error)
    if isinstance(error, requests.exceptions.ReadTimeout) or cause == 'read timed out':
        return 'no answer within %s s (%s); raise timeout or try again later' % (_seconds(timeout), _attempts(attempts))
    if isinstance(error, requests.exceptions.ConnectTimeout) or cause == 'timed out':
        return 'could not connect within %s s (%s); check %s, proxy and the network' % (
            _seconds(timeout), _attempts(attempts), target.url_words)
    return '%s (%s); check %s, proxy and that %s is up' % (cause, _attempts(attempts), target.url_words, target.server)


def _tls_reason(error: BaseException, target: Target) -> Tuple[str, str]:
    text = str(error)
    if 'match' in text.lower() and ('hostname' in text.lower() or 'ip address' in text.lower()):
        return "the server's TLS certificate is not for this host name", \
            'use the host name the certificate names in %s, or fix the server certificate' % target.url_words
    if 'CERTIFICATE_VERIFY_FAILED' in text or 'certificate verify failed' in text:
        return "the server's TLS certificate is not trusted (%s)" % _verify_detail(text), \
            'set ca_path to the CA bundle that signed it (validate_certs: false skips the check, insecurely)'
    return 'the TLS handshake failed (%s)' % describe(error), 'check %s, ca_path and proxy' % target.url_words


def _verify_detail(text: str) -> Optional[str]:
    for needle in ('self-signed certificate in certificate chain', 'unable to get local issuer certificate',
                   'self-signed certificate', 'certificate has expired', 'unable to get issuer certificate'):
        if needle in text or needle.replace('self-signed', 'self signed') in text:
            return needle
    return 'verify failed'


def verify_setting(settings: Dict[str, Any], environ: Mapping[str, str]) -> Any:
    """requests' verify argument: ca_path, else the CA bundle variables requests itself honours, else its default."""
    if not settings['validate_certs']:
        return False
    if settings['ca_path']:
        return settings['ca_path']
    for name in CA_BUNDLE_ENV:
        if environ.get(name):
            return environ[name]
    return True


def proxies_for(url: str, settings: Dict[str, Any]) -> Dict[str, str]:
    """The proxies of a request: the proxy option, else the *_PROXY/NO_PROXY variables; never any for a plain-http
    URL (only a literal loopback address gets this far, and a proxy would see the secret or the token in clear)."""
    if urlsplit(url).scheme == 'http' and is_loopback((urlsplit(url).hostname or '').lower()):
        return {}
    proxy = settings['proxy']
    if proxy:
        return {'http': proxy, 'https': proxy}
    return requests.utils.get_environ_proxies(url)


def post(url: str, headers: Dict[str, str], body: bytes, settings: Dict[str, Any], environ: Mapping[str, str], warn: Callable[[str], None]) -> Answer:
    """The token request: POST body to url (retried: the grant has no side effect)."""
    return send('POST', url, headers, body, settings, environ, warn, Target.token(url))


class _Call:
    """One send(): what is sent, how (settings, environ), where warnings go, the target's rules, the retries it may
    use in all, the caller's deadline (a time.monotonic() value or None) and the time its attempts took so far."""

    def __init__(self, method: str, url: str, headers: Dict[str, str], body: Optional[bytes],  # pylint: disable=too-many-arguments
                 settings: Dict[str, Any], environ: Mapping[str, str], warn: Callable[[str], None], target: Target, deadline: Optional[float]) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.settings = settings
        self.environ = environ
        self.warn = warn
        self.target = target
        self.deadline = deadline
        self.total = settings['retries']['total'] if target.retry else 0
        self.elapsed = 0.0

    def timeout(self) -> float:
        """The timeout of the next attempt: the option's, cut to what the deadline leaves (a second at least)."""
        if self.deadline is None:
            return self.settings['timeout']
        return min(self.settings['timeout'], max(1.0, self.deadline - time.monotonic()))


def send(method: str, url: str, headers: Dict[str, str], body: Optional[bytes], settings: Dict[str, Any],  # pylint: disable=too-many-arguments
         environ: Mapping[str, str], warn: Callable[[str], None], target: Target, deadline: Optional[float] = None) -> Answer:
    """Send one request; returns an Answer. Raises NFError('reason; fix') without the URL (the caller knows
    what the request was for and says it).

    Failures before the answer's headers are retried by urllib3's Retry (when target.retry); a connection that breaks
    while the body is read is retried here, from the same budget of retries. Each attempt, connection to last byte,
    ends within timeout seconds. deadline (a time.monotonic() value) bounds the whole call: each attempt ends by then
    (given a second at least) and no retry or Retry-After wait runs past it."""
    if not HAS_REQUESTS:
        raise NFError('the Python library requests is not installed for this Python: pip install requests')
    if not settings['validate_certs']:
        warn('validate_certs is false: the TLS certificate of %s is not checked' % display_url(url))
    call = _Call(method, url, headers, body, settings, environ, warn, target, deadline)
    done = 0
    while True:
        timeout = call.timeout()
        try:
            return _attempt(call, done, timeout)
        except NFError as exc:
            if timeout < settings['timeout'] and exc.message.startswith(('no answer within', 'could not connect within')):
                # The caller's deadline (nf_resource's wait_timeout) ended this attempt, not the timeout option.
                raise NFError('%s (all the time wait_timeout left)' % exc.message.split(';')[0])
            raise
        except _BrokenAnswer as exc:
            done = exc.attempts
            wait = backoff(settings['retries']['backoff_factor'], done)
            # No retry that would end after the deadline.
            last = done > call.total or (deadline is not None and time.monotonic() + wait >= deadline)
            if last and exc.late:
                raise NFError(_network_failure(None, timeout, done, target, late=True))
            if last:
                raise NFError('the connection broke while the answer was read (%s, %s); try again later'
                              % (exc.cause, _attempts(done)))
            reason = LATE if exc.late else 'the connection broke while the answer was read (%s)' % exc.cause
            warn('%s: %s; retry %d of %d in %.1f s' % (target.label, reason, done, call.total, wait))
            time.sleep(wait)


def _session(call: _Call, done: int, watch: _Deadline, attempts: List[int]) -> Any:
    """A requests session for one attempt: urllib3's Retry with the retries left after done attempts (it counts
    them in attempts[0] and warns of each), connections watched by watch (the attempt's _Deadline), no ambient
    settings."""
    target = call.target

    def on_retry(number: int, reason: str, wait: float) -> None:
        attempts[0] = done + number + 1
        if watch.expired:
            reason = LATE
        call.warn('%s: %s; retry %d of %d in %.1f s' % (target.label, reason, done + number, call.total, wait))

    left = call.total - done
    retry = _Retry(total=left, connect=left, read=left, status=left, other=0, redirect=0,
                   backoff_factor=call.settings['retries']['backoff_factor'],
                   status_forcelist=RETRY_STATUSES if target.retry else (),
                   allowed_methods=frozenset([call.method]), respect_retry_after_header=True,
                   raise_on_status=False, raise_on_redirect=False, on_retry=on_retry, ends_by=call.deadline)
    session = requests.Session()
    # trust_env off: no .netrc credentials or ambient settings leak into the request; proxies are read below.
    session.trust_env = False
    adapter = _Adapter(_watched_pools(watch), max_retries=retry)
    session.mount('http://', adapter)
    session.mount('https://', adapter)
    return session


def _attempt(call: _Call, done: int, timeout: float) -> Answer:
    """One session.request (with urllib3's retries left after done attempts), its body read to the last byte within
    timeout; every failure worded once."""
    target = call.target
    settings = dict(call.settings, timeout=timeout)
    attempts = [done + 1]
    watch = _Deadline(timeout)
    session = _session(call, done, watch, attempts)
    proxies = proxies_for(call.url, settings)
    verify = verify_setting(settings, call.environ)
    started = time.monotonic()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', InsecureRequestWarning)
            response = session.request(call.method, call.url, data=call.body, headers=call.headers, timeout=timeout,
                                       verify=verify, proxies=proxies, allow_redirects=False, stream=True)
            content = b''
            try:
                for chunk in response.iter_content(65536):
                    content += chunk
                    if len(content) > target.max_bytes:
                        raise NFError('the answer is larger than %d bytes; %s' % (target.max_bytes, target.large_fix))
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as exc:
                raise _BrokenAnswer(attempts[0], LATE if watch.expired else describe(exc), watch.expired)
    except requests.exceptions.SSLError as exc:
        if watch.expired:
            raise NFError(_network_failure(exc, timeout, attempts[0], target, late=True))
        reason, fix = _tls_reason(exc, target)
        raise NFError('%s; %s' % (reason, fix))
    except requests.exceptions.ProxyError as exc:
        raise NFError('could not get through the proxy %s (%s); check proxy or HTTPS_PROXY/NO_PROXY'
                      % (display_url(proxies.get(call.url.split(':', 1)[0]) or '') or 'from the environment',
                         describe(exc)))
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        raise NFError(_network_failure(exc, timeout, attempts[0], target, watch.expired))
    except requests.exceptions.ContentDecodingError as exc:
        raise NFError('the answer could not be decoded (%s); check %s' % (describe(exc), target.url_words))
    except requests.exceptions.RequestException as exc:
        raise NFError('the request failed (%s); check %s and proxy' % (describe(exc), target.url_words))
    except (OSError, ValueError) as exc:
        raise NFError('the request could not be made (%s); check ca_path and proxy' % describe(exc))
    finally:
        call.elapsed += time.monotonic() - started
        watch.stop()
        session.close()
    return Answer(response.status_code, response.headers, content, attempts[0], call.elapsed)
