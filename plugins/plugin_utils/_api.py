# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""NetFoundry API calls on the controller (nf_request, the role's verify): the bearer token in a header and nowhere
else, one renewal of the token on a 401, HAL paging. Every request goes through the one HTTP client
(module_utils/_http.py: proxies, deadline, retries and their waits, body reading and failure wording live there)."""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

from ansible_collections.netfoundry.api.plugins.module_utils import _http
from ansible_collections.netfoundry.api.plugins.module_utils._endpoint import check_url, display_url, is_loopback
from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._grants import Environ, Settings, StaticGrant, Token, TokenGrant
from ansible_collections.netfoundry.api.plugins.module_utils._options import BY_NAME
from ansible_collections.netfoundry.api.plugins.module_utils._response import snippet
from ansible_collections.netfoundry.api.plugins.module_utils._token import fetch
from ansible_collections.netfoundry.api.plugins.plugin_utils._redactor import Redactor
from ansible_collections.netfoundry.api.plugins.plugin_utils._session import Session, session_connection, session_fetch

METHODS = ('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS')
# Calls that may be sent twice: a POST or PATCH that failed after it was sent may have been applied.
IDEMPOTENT = frozenset(('GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'))
READ_ONLY = frozenset(('GET', 'HEAD'))
MAX_PAGES = BY_NAME['max_pages'].default
MAX_BYTES = BY_NAME['max_bytes'].default  # the bodies of all pages of one all_pages call, added up
MAX_PAGE_NUMBER = 2 ** 31
HIDDEN_HEADERS = frozenset(('authorization', 'proxy-authorization'))
# What a client asks for its bearer: token(None) the current one, token(refused) one other than the refused one.
TokenSource = Callable[[Optional[str]], str]


def target_url(api_url: str, path: Optional[str], url: Optional[str], query: Optional[Mapping[str, Any]],
               other_hosts: bool = False) -> str:
    """The URL to call: url as given, or path under the API URL; query (a dict) appended. url on another scheme, host
    or port than the API URL is refused unless other_hosts (the token would go there)."""
    if url is None:
        if path is None:
            raise NFError('give option path (relative to the API URL) or option url')
        if '\r' in path or '\n' in path:
            raise NFError('option path %r holds a line break: give the API path on one line' % path[:200])
        if urlsplit(path).scheme or path.startswith('//'):
            raise NFError('option path %r is an absolute URL: give it relative to the API URL (core/v2/networks), '
                          'or use url' % display_url(path))
        url = api_url + path.lstrip('/')
    scheme, host = check_url(url, 'option url' if path is None else 'the API URL')
    if scheme == 'http' and not is_loopback(host):
        raise NFError('refusing to send the token over plain http:// to %s: use https://' % host)
    if path is None and not other_hosts and origin(url) != origin(api_url):
        raise NFError('option url %s is not on the API\'s host (%s): the token is not sent there; give path, or '
                      'set send_token_to_other_hosts: true to send the token to that host'
                      % (display_url(url), display_url(api_url)))
    return with_query(url, query)


def origin(url: str) -> Tuple[str, str, Optional[int]]:
    """(scheme, host, port) of a URL, the port made explicit."""
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or '').lower(), parts.port or {'http': 80, 'https': 443}.get(parts.scheme)


def with_query(url: str, query: Optional[Mapping[str, Any]]) -> str:
    if not query:
        return url
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in query]
    pairs += [(k, 'true' if v is True else 'false' if v is False else v) for k, v in query.items()]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(pairs, doseq=True), parts.fragment))


class Reply:
    """One answer: status, headers (never Authorization), the decoded JSON or the text, the URL (no query)."""

    def __init__(self, method: str, url: str, answer: _http.Answer) -> None:
        self.method = method
        self.status = answer.status
        self.url = display_url(url)
        self.headers = dict((k, v) for k, v in answer.headers.items() if k.lower() not in HIDDEN_HEADERS)
        self.size = len(answer.body)
        self.json: Any = None
        self.content: Optional[str] = None
        if answer.body:
            if 'json' in answer.content_type.lower():
                self.json = answer.json()
            if self.json is None:
                self.content = answer.text()

    def reason(self) -> str:
        """The API's own words for a refusal, when it gave any (a JSON message, or an HTML page's title)."""
        if isinstance(self.json, dict):
            for key in ('message', 'error_description', 'error', 'title'):
                if isinstance(self.json.get(key), str) and self.json[key].strip():
                    return ' (%s)' % ' '.join(self.json[key].split())[:200]
        if isinstance(self.content, str) and self.content.strip():
            return ' (%s)' % snippet(self.content, self.headers.get('Content-Type', ''))
        return ''


class Client:
    """Calls the API with the token from token(None), asked once per client; on a 401 asks token(refused) once for
    a token other than the refused one, and sends again. With static headers (RapidAPI) there is no token.

    What must never be shown is its redactor's (plugin_utils/_redactor.py): every token the client sent and the
    caller's secrets are redacted from each answer as soon as it is read, before any message is made of it, and
    everything, one-time credentials included, from its warnings, errors and what redact() is given. tokens: every
    token the client sent."""

    def __init__(self, settings: Settings, environ: Environ, token: Optional[TokenSource], warn: Callable[[str], None],  # pylint: disable=too-many-arguments
                 static_headers: Optional[Dict[str, str]] = None, secrets: Iterable[str] = ()) -> None:
        if not _http.HAS_REQUESTS:
            raise NFError('the Python library requests is not installed for the controller Python: pip install requests')
        self.settings = settings
        self.environ = environ
        self.token: TokenSource = token or _no_token
        self.warn = lambda text: warn(self.redact_message(text))
        self.static_headers = static_headers
        self.redactor = Redactor(secrets)
        self.renewed = False
        self.elapsed = 0.0
        self.tokens: List[str] = []

    @classmethod
    def for_session(cls, session: Session, warn: Callable[[str], None], renewed: Optional[List[Token]] = None) -> Client:
        """The client of a session handle (the role's, or option session): RapidAPI's headers, or the session's token,
        renewed through the token cache after a 401 (each renewed Token appended to renewed, when given)."""
        settings = session_connection(session)  # checks the session first
        if session['kind'] == 'static':
            headers = session['headers']
            grant = StaticGrant(headers['X-RapidAPI-Key'], headers['X-RapidAPI-Host'])
            client = cls(settings, os.environ, None, warn, dict(headers), grant.secret_forms())
            # The key is sent with every call, as a token is: redacted like one, whole or in part, from all that is read
            # and said.
            client.redactor.learn(headers['X-RapidAPI-Key'])
            return client

        def token(refused: Optional[str]) -> str:
            got = session_fetch(session, warn=warn, refused=refused)
            if refused is not None and renewed is not None:
                renewed.append(got)
            return got.access_token
        return cls(settings, os.environ, token, warn)

    @classmethod
    def for_grant(cls, grant: TokenGrant, warn: Callable[[str], None]) -> Tuple[Client, str]:
        """(client, API URL) of a grant made from an action's options: its first token is fetched now (it says where
        the API is); the caller's secrets are the grant's."""
        first = fetch(grant, warn=warn)

        def token(refused: Optional[str]) -> str:
            return (first if refused is None else fetch(grant, warn=warn, refused=refused)).access_token
        return cls(grant.settings, os.environ, token, warn, None, grant.secret_forms(os.environ)), first.api_url

    def redact(self, value: Any) -> Any:
        """value (a message, a result) with every secret the client knows redacted."""
        return self.redactor.result(value)

    def redact_message(self, text: str) -> str:
        """A failure or a warning: every secret redacted, every JWT-shaped run kept to its header."""
        return self.redactor.message(text)

    def hold(self, secret: str) -> None:
        """A one-time credential read from an answer: kept out of every message and result (not of the answers)."""
        self.redactor.hold(secret)

    def _use(self, token: str) -> None:
        self.tokens.append(token)
        self.redactor.learn(token)

    def call(self, method: str, url: str, body: Optional[bytes] = None, deadline: Optional[float] = None) -> Reply:
        """One API call (deadline: a time.monotonic() value the call, its retries and their waits end by)."""
        if self.static_headers is not None:
            return self._send(method, url, body, dict(self.static_headers), deadline)
        if not self.tokens:
            self._use(self.token(None))
        reply = self._send(method, url, body, {'Authorization': 'Bearer ' + self.tokens[-1]}, deadline)
        if reply.status == 401 and not self.renewed:
            self.renewed = True
            self._use(self.token(self.tokens[-1]))
            reply = self._send(method, url, body, {'Authorization': 'Bearer ' + self.tokens[-1]}, deadline)
        return reply

    def all_pages(self, url: str, max_pages: int = MAX_PAGES, max_bytes: int = MAX_BYTES) -> Tuple[Reply, int]:
        """GET every page of a HAL list from url; returns (first reply with the _embedded lists merged, page count).
        A page that is not HAL, a next link that is not a URL, on another host or back to a page already read, more
        than max_pages pages or more than max_bytes in all: NFError naming the page and the rule."""
        first = reply = self.call('GET', url)
        merged: dict[str, list] = {}
        seen = {url}
        pages = size = 0
        while True:
            if pages and reply.status != 200:
                raise NFError('page %d of %s answered HTTP %d%s: the list was not read to its end' % (
                    pages + 1, first.url, reply.status, reply.reason()))
            if reply.status != 200 or (pages == 0 and not isinstance(reply.json, dict)):
                return reply, pages  # an error, or a first answer that is no list: the caller shows it as it is
            pages += 1
            size += reply.size
            where = 'page %d of %s' % (pages, first.url)
            if not isinstance(reply.json, dict):
                raise NFError('%s is not a JSON object: the API\'s list stopped being HAL' % where)
            if size > max_bytes:
                raise NFError('stopped at %s: the pages add up to more than %d bytes (max_bytes); ask for fewer '
                              'items with query, or raise max_bytes' % (where, max_bytes))
            embedded = reply.json.get('_embedded', {})
            if not isinstance(embedded, dict):
                raise NFError('%s is malformed HAL: _embedded is %s, not an object' % (where, _kind(embedded)))
            for kind, items in embedded.items():
                if not isinstance(items, list):
                    raise NFError('%s is malformed HAL: _embedded.%s is %s, not a list' % (where, kind, _kind(items)))
                merged.setdefault(kind, []).extend(items)
            following = next_page(reply.json, url, where)
            if following is None:
                break
            url = following
            if pages >= max_pages:
                raise NFError('stopped after %d pages of %s (max_pages): ask for larger pages (query size), or '
                              'raise max_pages' % (pages, first.url))
            if origin(url) != origin(first.url):
                raise NFError('%s links its next page to another host (%s): the token is not sent there'
                              % (where, display_url(url)))
            if url in seen:
                raise NFError('%s links its next page back to a page already read (%s): the pages loop'
                              % (where, display_url(url)))
            seen.add(url)
            reply = self.call('GET', url)
        first.json = dict(first.json, _embedded=merged, page=reply.json.get('page', first.json.get('page')))
        first.json.pop('_links', None)
        return first, pages

    def _send(self, method: str, url: str, body: Optional[bytes], headers: Dict[str, str],
              deadline: Optional[float] = None) -> Reply:
        parts = urlsplit(url)
        host = (parts.hostname or '').lower()
        if parts.scheme != 'https' and not (parts.scheme == 'http' and is_loopback(host)):
            # Every call of every action comes here: the token (or RapidAPI's key) never goes over plain http, whatever
            # URL the API URL, a path or a page link made (plain http is only for a literal loopback address).
            raise NFError('refusing to send the %s over %s to %s (%s): give the API URL with https://' % (
                'RapidAPI key' if self.static_headers is not None else 'token',
                'plain http://' if parts.scheme == 'http' else 'a URL that is not https://', host or '?',
                display_url(url)))
        headers['Accept'] = 'application/hal+json, application/json'
        if body is not None:
            headers['Content-Type'] = 'application/json'
        target = _http.Target.api(method, url, method in IDEMPOTENT)
        try:
            answer = _http.send(method, url, headers, body, self.settings, self.environ, self.warn, target, deadline)
        except NFError as exc:
            raise NFError(self.redact('%s failed: %s' % (target.label, exc.message)))
        self.elapsed += answer.elapsed
        reply = Reply(method, url, answer)
        reply.json, reply.content, reply.headers = (self.redactor.answer(value)
                                                    for value in (reply.json, reply.content, reply.headers))
        return reply


def _no_token(_refused: Optional[str]) -> str:
    raise NFError('this client sends fixed headers (RapidAPI): it has no bearer token')


def _kind(value: Any) -> str:
    return {dict: 'an object', list: 'a list', str: 'a string', bool: 'a boolean', type(None): 'null'}.get(
        type(value), 'a number')


def next_page(document: Dict[str, Any], url: str, where: str = 'the page') -> Optional[str]:
    """The next page's URL: the HAL link, else the page number after page.number while below page.totalPages; None
    on the last page. NFError when the links or page numbers are malformed."""
    links = document.get('_links')
    if links is not None and not isinstance(links, dict):
        raise NFError('%s is malformed HAL: _links is %s, not an object' % (where, _kind(links)))
    link = (links or {}).get('next')
    if link is not None:
        href = link.get('href') if isinstance(link, dict) else None
        if not isinstance(href, str):
            raise NFError('%s is malformed HAL: _links.next has no href string' % where)
        try:
            resolved = urljoin(url, href)
            check_url(resolved, 'next link')
            valid = True
        except (NFError, ValueError):
            valid = False
        if not valid:
            raise NFError('%s is malformed HAL: its next link %r is not an http(s) URL' % (where, href[:200]))
        return resolved
    page = document.get('page')
    if page is None:
        return None
    if not isinstance(page, dict):
        raise NFError('%s is malformed HAL: page is %s, not an object' % (where, _kind(page)))
    number, total = page.get('number'), page.get('totalPages')
    if number is None or total is None:
        return None
    if not all(_page_number(value) for value in (number, total)):
        raise NFError('%s is malformed HAL: page.number %s and page.totalPages %s are not page numbers'
                      % (where, repr(number)[:40], repr(total)[:40]))
    if int(number) + 1 >= int(total):
        return None
    return with_query(url, {'page': int(number) + 1})


def _page_number(value: Any) -> bool:
    """A whole number from 0 to MAX_PAGE_NUMBER (JSON may write it 3 or 3.0)."""
    # NaN and infinities fail the range check.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= MAX_PAGE_NUMBER \
        and int(value) == value
