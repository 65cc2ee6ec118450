# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:
    # The API account and where its token comes from. Shared by the module, the lookup and the role.
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
'''
