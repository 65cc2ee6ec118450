# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where a network or a NetFoundry-hosted edge router goes, as NetFoundry's SDK places them: the network group (a name
or an id; by default the organization's first, NetworkGroup), the data center (a location code checked against the
API's data centers, Networks.find_regions), the product version (latest, default or a version,
NetworkGroup.create_network). Recorded: GET rest/v1/network-groups, core/v2/data-centers,
product-metadata/v2/download-urls.json."""

import difflib
import re

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._memo import MEMO
from ansible_collections.netfoundry.api.plugins.plugin_utils._names import fold, is_uuid

PLACES_SPACE = 'places'
KEYWORDS = ('latest', 'default')


def _version_key(version):
    return tuple(int(part) if part.isdigit() else -1 for part in re.split(r'[.-]', version))


class Placement:
    """The organization's network groups, the API's data centers and product versions, each read once per process."""

    def __init__(self, client, api_url, warn=None):
        self.client = client
        self.api_url = api_url
        self.warn = warn or (lambda text: None)

    def _read(self, path, what):
        key = (self.api_url, path)
        known = MEMO.get(PLACES_SPACE, key)
        if known is None:
            reply = self.client.call('GET', self.api_url + path)
            if reply.status != 200 or not isinstance(reply.json, dict):
                raise NFError('reading %s: GET %s answered HTTP %d%s' % (
                    what, reply.url, reply.status, reply.reason()))
            known = MEMO.put(PLACES_SPACE, key, reply.json)
        return known

    def groups(self):
        embedded = self._read('rest/v1/network-groups', 'the network groups').get('_embedded') or {}
        return [group for group in embedded.get('organizations') or [] if isinstance(group, dict)]

    def group_id(self, given):
        """The id of the network group given by id, name or short name; the organization's first when not given."""
        groups = self.groups()
        if not groups:
            raise NFError('the organization has no network group to make a network in')
        if given is None:
            if len(groups) > 1:
                self.warn('networkGroupId not given: the network goes in the organization\'s first network group, %s '
                          '(%s), of %d; give networkGroupId to choose' % (groups[0].get('name'), groups[0].get('id'),
                                                                          len(groups)))
            return groups[0].get('id')
        for group in groups:
            if given == group.get('id') or fold(given) in (fold(group.get('name')), fold(group.get('organizationShortName'))):
                return group.get('id')
        if is_uuid(given):
            return given  # a group this account does not list: the API decides
        raise NFError('spec.networkGroupId %r names no network group of the organization (its groups: %s)' % (
            given, ', '.join('%s (%s)' % (group.get('name'), group.get('id')) for group in groups[:10])))

    def data_centers(self):
        embedded = self._read('core/v2/data-centers', 'the data centers').get('_embedded') or {}
        return [center for center in embedded.get('dataCenters') or [] if isinstance(center, dict)]

    def check_location(self, code, provider, what):
        """A location code the API's data centers have (for that provider, when given), else one line naming the near
        ones."""
        centers = self.data_centers()
        matching = [center for center in centers if center.get('locationCode') == code and (
            provider is None or str(center.get('provider')).upper() == str(provider).upper())]
        if matching:
            return code
        codes = sorted(set(center.get('locationCode') for center in centers if isinstance(center.get('locationCode'), str)
                           and (provider is None or str(center.get('provider')).upper() == str(provider).upper())))
        near = difflib.get_close_matches(str(code), codes, 5, 0.4) or codes[:8]
        raise NFError('%s: %s has no data center %r%s: did you mean %s?' % (
            what, 'provider %s' % provider if provider else 'NetFoundry', code, '' if provider else '',
            ', '.join(near) if near else '(none listed)'))

    def version(self, given, what):
        """productVersion: latest (the highest active), default (none: the API's own), or a version that exists."""
        versions = dict((version, bool(entry.get('active'))) for version, entry in
                        self._read('product-metadata/v2/download-urls.json', 'the product versions').items()
                        if isinstance(entry, dict))
        if given == 'default':
            return None
        if given == 'latest':
            active = sorted((version for version, active in versions.items() if active), key=_version_key)
            if not active:
                raise NFError('%s: the API lists no active product version for latest' % what)
            return active[-1]
        if given not in versions:
            near = sorted(versions, key=_version_key)[-5:]
            raise NFError('%s: product version %r is not one NetFoundry has (the newest: %s); give latest, '
                          'default or one of them' % (what, given, ', '.join(near)))
        if not versions[given]:
            self.warn('%s: product version %s is no longer active' % (what, given))
        return given

    def resolve(self, rtype, spec, creating, what):
        """spec with its placement as the API takes it (a new dict)."""
        out = dict(spec)
        if rtype == 'networks':
            if 'networkGroupId' in out or creating:
                out['networkGroupId'] = self.group_id(out.get('networkGroupId'))
            if creating and out.get('locationCode'):
                self.check_location(out['locationCode'], out.get('provider'), what)
            if out.get('productVersion') in KEYWORDS and not creating:
                del out['productVersion']  # latest and default choose a version for a new network, never upgrade one
            elif out.get('productVersion') is not None:
                chosen = self.version(out['productVersion'], what)
                if chosen is None:
                    del out['productVersion']
                else:
                    out['productVersion'] = chosen
        if rtype == 'edge-routers' and creating:
            provider, code = out.get('provider'), out.get('locationCode')
            if code and provider in (None, ''):
                raise NFError('%s: a NetFoundry-hosted router needs provider with locationCode (as NetFoundry\'s '
                              'SDK asks): give both, or neither for a router you host' % what)
            if provider not in (None, '', 'CUSTOMER'):
                if not code and not out.get('dataCenterId'):
                    raise NFError('%s: a router NetFoundry hosts (provider %s) needs locationCode: give the data '
                                  'center' % (what, provider))
                if code:
                    self.check_location(code, provider, what)
        return out
