# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:
    # How the token request travels. Shared by the module, the lookup and the role.
    DOCUMENTATION = r'''
options:
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
'''

    PLUGINS = r'''
options:
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
'''
