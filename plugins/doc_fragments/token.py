# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:
    # The token's options, documented once, in the option table's groups: the API account and where its token comes
    # from (auth), how the token request travels (connection), the token cache (cache). Shared by the module, the
    # lookup, the actions and the role (its argument specs are tested against them).
    DOCUMENTATION = r'''
options:
  client_id:
    description:
      - The API account's client ID (C(clientId) in NF Console's credentials file).
      - Give it together with O(client_secret). Either one without the other is an error; when both are
        left out the credential is looked for in O(credentials_file), then the environment, then the
        default credentials files (see the notes).
      - A client ID and secret given as options need O(token_url) too.
    type: str
  client_secret:
    description:
      - The API account's client secret (C(password) in NF Console's credentials file).
      - Never logged, never written to the cache, never shown in an error. Never read from C(ansible.cfg).
    type: str
  credentials_file:
    description:
      - Path to the API account file NF Console downloads (usually C(credentials.json)). Its keys
        C(clientId), C(password) and C(authenticationUrl) are read; other keys are ignored.
      - The file's C(authenticationUrl) is the token URL unless O(token_url) is set; a file without it is an
        error when O(token_url) is not set.
    type: path
  token_url:
    description:
      - The OAuth2 token endpoint. Wins over the URL of the credential source (C(authenticationUrl) in the
        credentials file, E(NETFOUNDRY_OAUTH_URL)).
      - There is no default. When neither this option nor the credential source gives a URL, the task fails
        before any network traffic. NF Console's credentials file names the URL as C(authenticationUrl) (a
        Cognito host today); API accounts made for the old Auth0 guide use
        C(https://netfoundry-<environment>.auth0.com/oauth/token).
      - Plain C(http://) is refused for every host but loopback, so the secret is never sent in clear.
    type: str
  environment:
    description:
      - NetFoundry environment (C(production), C(staging), C(sandbox), ...).
      - Read from the token URL when it is a NetFoundry Auth0 host (C(netfoundry-<env>.auth0.com)) or
        Cognito host (C(netfoundry-<env>-<suffix>.auth.<region>.amazoncognito.com)); setting another value
        then is an error. When not set, E(NETFOUNDRY_ENVIRONMENT).
      - It names the default O(audience), the NetFoundry scope and C(api_url)
        C(https://gateway.<environment>.netfoundry.io/); it never names a token URL.
      - "C(api_url) comes from, in order: O(audience); O(resource); the token URL's NetFoundry host; this option
        (or E(NETFOUNDRY_ENVIRONMENT)); the token's claims (a C(scope) under C(https://gateway.<env>.netfoundry.io/),
        an C(aud) URL, an C(iss) C(netfoundry-<env>.auth0.com)); else production, a guess that the results say
        (C(api_url_source), C(api_url_guessed)). Set O(environment) or O(audience) to replace the guess."
    type: str
  audience:
    description:
      - The API the token is for.
      - For Auth0 and Cognito hosts it defaults to C(https://gateway.<environment>.netfoundry.io/); it is sent
        in the body to Auth0 and to other servers (only when set), and is the base of the NetFoundry scope (see O(scope)).
    type: str
  scope:
    description:
      - OAuth2 scope to ask for.
      - "For NetFoundry's own API account (a credentials file or the C(NETFOUNDRY_*) variables) and for every
        Cognito host it defaults to C(<audience>/ignore-scope), C(https://gateway.<environment>.netfoundry.io//ignore-scope)
        without O(audience), sent with every form-encoded grant whatever the identity provider (Cognito, Okta, ...),
        as NetFoundry's SDK does (Cognito needs a scope; NetFoundry ignores it). The JSON grant of Auth0 gets no
        default scope."
      - A client given only by O(client_id) + O(client_secret) + O(token_url) (any RFC 6749 server) gets a scope
        only when it is set.
    type: str
  resource:
    description:
      - RFC 8707 resource indicator (an absolute URI naming the API), sent only when set.
    type: str
  auth_method:
    description:
      - How the client ID and secret are sent.
      - V(client_secret_json) is Auth0's way, a JSON body with C(client_id), C(client_secret), C(audience)
        and C(grant_type).
      - V(client_secret_basic) is RFC 6749 section 2.3.1 HTTP Basic (ID and secret form-urlencoded first) with a form body.
      - V(client_secret_post) puts the ID and secret in the form body.
      - V(auto) picks V(client_secret_json) for C(*.auth0.com) and V(client_secret_basic) for every other
        host (Cognito included).
    type: str
    choices: [auto, client_secret_json, client_secret_basic, client_secret_post]
    default: auto
  validate_certs:
    description:
      - Check the TLS certificates of the identity provider and, for the actions that call the API (M(netfoundry.api.nf_request),
        M(netfoundry.api.nf_resource), M(netfoundry.api.nf_resource_info)), of the API.
      - V(false) is insecure and warns on every request.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM CA bundle to check the identity provider's (and the API's) certificate against, for a private CA or a
        TLS-inspecting proxy.
      - When not set, E(NETFOUNDRY_CA_PATH) (the AWX credential types inject it; it changes nothing for other
        tasks), else E(REQUESTS_CA_BUNDLE) or E(CURL_CA_BUNDLE), else the CA bundle of the requests library.
    type: path
  proxy:
    description:
      - An C(http://) or C(https://) proxy URL for the token request (and the API calls of the actions). The module
        treats it as C(no_log), since it
        may carry C(user:password@); its password is also redacted from every message.
      - When not set, E(NETFOUNDRY_PROXY) (the AWX credential types inject it; it changes nothing for other tasks),
        else the standard E(HTTPS_PROXY), E(HTTP_PROXY), E(ALL_PROXY) and E(NO_PROXY) variables apply.
      - It may carry C(user:password@), whose password is masked in all output; it is never read from C(ansible.cfg).
      - A plain C(http://) token URL (allowed to a literal loopback address only) never goes through a proxy. The
        variables are ignored for it, and setting this option with it is an error.
    type: str
  timeout:
    description:
      - Seconds one attempt may take in all, from connecting to the last byte of the answer (a server that trickles
        its headers or body cannot hold the task longer). At most 3600.
      - With O(retries) the worst case is about O(timeout) x (retries + 1) plus the backoff between attempts.
        Processes waiting for another one to get the same token wait that long.
    type: float
    default: 30
  retries:
    description:
      - How many times to retry after a connection error, a timeout, or HTTP 429, 500, 502, 503 or 504.
        400, 401 and 403 are never retried.
      - An integer (the number of retries, V(0) for none, at most V(10)), or a dictionary with C(total) (default
        V(3), at most V(10)) and C(backoff_factor) (default V(0.5), at most V(60)).
      - The wait before retry N is about C(backoff_factor) x 2^(N-1) seconds (jittered, at most 30), or the
        server's C(Retry-After), honoured up to 30 seconds. Each retry is reported as a warning.
    type: raw
    default: 3
  cache:
    description:
      - Reuse a token from the cache while it is fresh, and store new tokens there, so that one credential costs
        one token request per token lifetime however many hosts, forks, tasks and runs ask.
      - The cache holds the token, its expiry and non-secret metadata only, never the secret. Its files are named
        by a hash of the token URL, auth method, client ID, audience, scope and resource (not of the secret); each
        holds a salted PBKDF2 verifier of the secret, so a rotated or wrong secret never gets a cached token.
      - Tokens whose server gives no expiry are never cached; a token is trusted for at most 24 hours, whatever
        its expiry says.
      - A cache that cannot be written (read-only, full) is a warning; the token is still returned.
    type: bool
    default: true
  cache_dir:
    description:
      - The cache directory (made with mode 0700, and so are its missing parents, whatever the umask). A directory
        or file that is group- or world-writable, owned by another user, or a symlink (the directory itself
        included) is never trusted (a warning, then a fresh request).
      - When not set, E(NETFOUNDRY_CACHE_DIR), else C($XDG_CACHE_HOME/netfoundry/ansible), else
        C(~/.cache/netfoundry/ansible), on the host where the token is got.
    type: path
  min_ttl:
    description:
      - A cached token is reused while at least this many seconds of its life are left; capped at half of the
        token's original life, so short-lived tokens are reused too. An expired token is never returned, but a
        reused short-lived token may have only half its life left (2.5 s of a 5 s token).
    type: int
    default: 600
  force:
    description:
      - Skip the cache and ask for a new token (which is then stored).
    type: bool
    default: false
notes:
  - "The credential is taken whole from the first source that has it: O(client_id) + O(client_secret);
    O(credentials_file); E(NETFOUNDRY_API_TOKEN), a token already held (for example from C(nfctl login)), used
    as it is with no exchange and never cached, its expiry and API URL read from its claims (an expired token or
    one that is not a JWT is an error); the file named by E(NETFOUNDRY_API_ACCOUNT) (a bare file name not in the
    working directory is looked for in the default directories below); E(NETFOUNDRY_CLIENT_ID) with
    E(NETFOUNDRY_PASSWORD) or E(NETFOUNDRY_CLIENT_SECRET) (and E(NETFOUNDRY_OAUTH_URL) as token URL);
    C(credentials.json) in the working directory, C(~/.netfoundry/), C(/netfoundry/), and the XDG config directory
    C($XDG_CONFIG_HOME/netfoundry/) (else C(~/.config/netfoundry/)). A source with half a pair is an error; sources
    are never mixed. The result names the source used in C(credential_source)."
  - "The explicit options come first, so a play that names its credential is never overridden by a token left in
    the environment; then the order of NetFoundry's SDK and CLI (C(nfctl)), which reads a ready token first."
  - The environment variables are read where the exchange runs (the managed node for the module, the
    controller for the lookup).
'''

    # Where the lookup also finds them: a netfoundry_<option> variable, ansible.cfg's [netfoundry] section.
    PLUGINS = r'''
options:
  client_id:
    vars:
      - name: netfoundry_client_id
    ini:
      - section: netfoundry
        key: client_id
  client_secret:
    vars:
      - name: netfoundry_client_secret
  credentials_file:
    vars:
      - name: netfoundry_credentials_file
    ini:
      - section: netfoundry
        key: credentials_file
  token_url:
    vars:
      - name: netfoundry_token_url
    ini:
      - section: netfoundry
        key: token_url
  environment:
    vars:
      - name: netfoundry_environment
    ini:
      - section: netfoundry
        key: environment
  audience:
    vars:
      - name: netfoundry_audience
    ini:
      - section: netfoundry
        key: audience
  scope:
    vars:
      - name: netfoundry_scope
    ini:
      - section: netfoundry
        key: scope
  resource:
    vars:
      - name: netfoundry_resource
    ini:
      - section: netfoundry
        key: resource
  auth_method:
    vars:
      - name: netfoundry_auth_method
    ini:
      - section: netfoundry
        key: auth_method
  validate_certs:
    vars:
      - name: netfoundry_validate_certs
    ini:
      - section: netfoundry
        key: validate_certs
  ca_path:
    vars:
      - name: netfoundry_ca_path
    ini:
      - section: netfoundry
        key: ca_path
  proxy:
    vars:
      - name: netfoundry_proxy
  timeout:
    vars:
      - name: netfoundry_timeout
    ini:
      - section: netfoundry
        key: timeout
  retries:
    vars:
      - name: netfoundry_retries
    ini:
      - section: netfoundry
        key: retries
  cache:
    vars:
      - name: netfoundry_cache
    ini:
      - section: netfoundry
        key: cache
  cache_dir:
    vars:
      - name: netfoundry_cache_dir
    ini:
      - section: netfoundry
        key: cache_dir
  min_ttl:
    vars:
      - name: netfoundry_min_ttl
    ini:
      - section: netfoundry
        key: min_ttl
  force:
    vars:
      - name: netfoundry_force
    ini:
      - section: netfoundry
        key: force
'''
