# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:
    # The token cache shared by the module, the lookup and the role.
    DOCUMENTATION = r'''
options:
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
'''

    PLUGINS = r'''
options:
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
