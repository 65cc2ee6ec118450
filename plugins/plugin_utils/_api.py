# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""NetFoundry API calls on the controller (the nf_request action): the bearer token in a header and nowhere else,
one renewal of the token on a 401, bounded retries of idempotent calls, HAL paging."""

import json
import time
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from ansible_collections.netfoundry.api.plugins.module_utils._endpoint import check_url, display_url, is_loopback
from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFTokenError
from ansible_collections.netfoundry.api.plugins.module_utils._http import (
    HAS_REQUESTS, RETRY_AFTER_CAP, RETRY_STATUSES, backoff, verify_setting)

if HAS_REQUESTS:
    import requests

METHODS = ('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS')
# Calls that may be sent twice: a POST or PATCH that failed after it was sent may have been applied.
IDEMPOTENT = frozenset(('GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'))
READ_ONLY = frozenset(('GET', 'HEAD'))
MAX_ANSWER_BYTES = 16 * 1024 * 1024
MAX_PAGES = 10000
HIDDEN_HEADERS = frozenset(('authorization', 'proxy-authorization'))


def target_url(api_url, path, url, query):
    """The URL to call: url as given, or path under the API URL; query (a dict) appended."""
    if url is None:
        if urlsplit(path).scheme or path.startswith('//'):
            raise NFTokenError('option path %r is an absolute URL: give it relative to the API URL (core/v2/networks), '
                               'or use url' % display_url(path))
        url = api_url + path.lstrip('/')
    scheme, host = check_url(url, 'option url' if path is None else 'the API URL')
    if scheme == 'http' and not is_loopback(host):
        raise NFTokenError('refusing to send the token over plain http:// to %s: use https://' % host)
    return with_query(url, query)


def with_query(url, query):
    if not query:
        return url
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in query]
    pairs += [(k, 'true' if v is True else 'false' if v is False else v) for k, v in query.items()]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(pairs, doseq=True), parts.fragment))


class Reply:
    """One answer: status, headers (never Authorization), the decoded JSON or the text, the URL (no query)."""

    def __init__(self, method, url, response, content):
        self.method = method
        self.status = response.status_code
        self.url = display_url(url)
        self.headers = dict((k, v) for k, v in response.headers.items() if k.lower() not in HIDDEN_HEADERS)
        self.json = None
        self.content = None
        if content:
            text = content.decode(response.encoding or 'utf-8', 'replace')
            try:
                self.json = json.loads(text) if 'json' in response.headers.get('Content-Type', '').lower() else None
            except ValueError:
                self.json = None
            if self.json is None:
                self.content = text

    def reason(self):
        """The API's own words for a refusal, when it gave any."""
        if isinstance(self.json, dict):
            for key in ('message', 'error_description', 'error', 'title'):
                if isinstance(self.json.get(key), str) and self.json[key].strip():
                    return ' (%s)' % ' '.join(self.json[key].split())[:200]
        return ''


class Client:
    """Calls the API with a token from token(force), asked once per client; on a 401 gets a new token once (force)
    and sends again."""

    def __init__(self, settings, environ, token, warn):
        if not HAS_REQUESTS:
            raise NFTokenError('the Python library requests is not installed for the controller Python: pip install requests')
        self.settings = settings
        self.environ = environ
        self.token = token
        self.warn = warn
        self.renewed = False
        self.elapsed = 0.0
        self._token = None

    def call(self, method, url, body=None):
        self._token = self._token or self.token(False)
        reply = self._send(method, url, body, self._token)
        if reply.status == 401 and not self.renewed:
            self.renewed = True
            self._token = self.token(True)
            reply = self._send(method, url, body, self._token)
        return reply

    def all_pages(self, url):
        """GET every page of a HAL list from url; returns (first reply with the _embedded lists merged, page count)."""
        first = reply = self.call('GET', url)
        merged = {}
        seen = {url}
        pages = 0
        while True:
            if reply.status != 200 or not isinstance(reply.json, dict):
                return reply, pages
            pages += 1
            for kind, items in (reply.json.get('_embedded') or {}).items():
                if isinstance(items, list):
                    merged.setdefault(kind, []).extend(items)
            url = next_page(reply.json, url)
            if url is None:
                break
            if urlsplit(url)[:2] != urlsplit(first.url)[:2] or url in seen or pages >= MAX_PAGES:
                raise NFTokenError('the API\'s next page %s is on another host, repeats a page, or is past %d pages: '
                                   'the token is not sent there; read the pages one by one with query page'
                                   % (display_url(url), MAX_PAGES))
            seen.add(url)
            reply = self.call('GET', url)
        first.json = dict(first.json, _embedded=merged, page=reply.json.get('page', first.json.get('page')))
        first.json.pop('_links', None)
        return first, pages

    def _send(self, method, url, body, token):
        headers = {'Authorization': 'Bearer ' + token, 'Accept': 'application/hal+json, application/json'}
        if body is not None:
            headers['Content-Type'] = 'application/json'
        retries = self.settings['retries'] if method in IDEMPOTENT else dict(total=0, backoff_factor=0)
        attempt = 0
        while True:
            attempt += 1
            wait = None
            started = time.monotonic()
            try:
                reply = self._once(method, url, body, headers)
                if reply.status in RETRY_STATUSES and attempt <= retries['total']:
                    wait = _retry_after(reply.headers.get('Retry-After'))
                    cause = 'HTTP %d' % reply.status
                else:
                    return reply
            except requests.exceptions.SSLError:
                raise NFTokenError("%s %s failed: the API's TLS certificate is not trusted or not for this host; set "
                                   "ca_path to the CA that signed it" % (method, display_url(url)))
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                    requests.exceptions.ChunkedEncodingError) as exc:
                cause = _cause(exc, self.settings['timeout'])
                if attempt > retries['total']:
                    raise NFTokenError('%s %s failed: %s (%d attempt%s); check the API URL (audience), proxy and the network'
                                       % (method, display_url(url), cause, attempt, '' if attempt == 1 else 's'))
            except (requests.exceptions.RequestException, ValueError) as exc:
                raise NFTokenError('%s %s failed: %s; check the API URL (audience) and proxy'
                                   % (method, display_url(url), type(exc).__name__))
            finally:
                self.elapsed += time.monotonic() - started
            if wait is None:
                wait = backoff(retries['backoff_factor'], attempt)
            self.warn('%s %s: %s; retry %d of %d in %.1f s' % (method, display_url(url), cause, attempt, retries['total'], wait))
            time.sleep(wait)

    def _once(self, method, url, body, headers):
        session = requests.Session()
        session.trust_env = False  # no .netrc credentials; the proxy variables are read below
        proxy = self.settings['proxy']
        proxies = {'http': proxy, 'https': proxy} if proxy else requests.utils.get_environ_proxies(url)
        try:
            response = session.request(method, url, data=body, headers=headers, timeout=self.settings['timeout'],
                                       verify=verify_setting(self.settings, self.environ), proxies=proxies,
                                       allow_redirects=False, stream=True)
            content = b''
            for chunk in response.iter_content(65536):
                content += chunk
                if len(content) > MAX_ANSWER_BYTES:
                    raise NFTokenError('%s %s: the answer is larger than %d bytes; ask for smaller pages (query size)'
                                       % (method, display_url(url), MAX_ANSWER_BYTES))
        finally:
            session.close()
        return Reply(method, url, response, content)


def next_page(document, url):
    """The next page's URL: the HAL link, else the page number after page.number while below page.totalPages."""
    link = ((document.get('_links') or {}).get('next') or {})
    if isinstance(link, dict) and isinstance(link.get('href'), str):
        return urljoin(url, link['href'])
    page = document.get('page') or {}
    try:
        number, total = int(page['number']), int(page['totalPages'])
    except (KeyError, TypeError, ValueError):
        return None
    if number + 1 >= total:
        return None
    return with_query(url, {'page': number + 1})


def _retry_after(value):
    try:
        return min(max(float(value), 0), RETRY_AFTER_CAP)
    except (TypeError, ValueError):
        return None


def _cause(exc, timeout):
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return 'could not connect within %s s' % timeout
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return 'no answer within %s s' % timeout
    if isinstance(exc, requests.exceptions.ProxyError):
        return 'could not get through the proxy'
    if 'refused' in str(exc).lower():
        return 'connection refused'
    return 'connection failed (%s)' % type(exc).__name__
