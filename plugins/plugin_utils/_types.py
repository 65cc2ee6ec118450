# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The NetFoundry resource types nf_resource and nf_resource_info manage: one literal table (TYPES), one row a type.

Where each fact comes from: traffic recorded from NetFoundry's real API (NetFoundry's developer-tools repository,
2021-2022; the test bed's copy is tests/testbed/recorded/) and NetFoundry's SDK (python-netfoundry 5.11.3,
netfoundry/utility.py RESOURCES and netfoundry/network.py). Every property a row lists is one the recording shows a
client sending or the API answering, or one the SDK sends.

Each property has a mode:
  MANAGED  compared with what the API answers and sent in a PATCH when it differs;
  FROZEN   compared; a difference fails the task (it cannot change after creation);
  CREATE   sent when the resource is created and never compared: the API does not give it back (an endpoint's
           enrollmentMethod, a service's inline configs, a network's locationCode in the lists it is found in).
A type whose properties are None was never recorded and the SDK builds no body for it: every spec key is sent and
compared as given."""

MANAGED, FROZEN, CREATE = 'managed', 'frozen', 'create'

# Set by the API on every type (never in spec): the recorded server keys.
COMMON_SERVER = ('id', 'networkId', 'createdAt', 'createdBy', 'updatedAt', 'updatedBy', 'deletedAt', 'deletedBy',
                 'ownerIdentityId', 'zitiId', '_links', '_embedded')
# The keys under which the API gives one-time credentials and passwords (at any depth): an endpoint's and an edge
# router's enrollment jwt (recorded on both), a registration key (the answer of the registration-key request), a
# network's sdsPassword and its controller's zitiPassword (recorded on GET networks/{id}). Hidden from every result.
SECRET_KEYS = ('jwt', 'registrationKey', 'sdsPassword', 'zitiPassword')
# The Ziti controller's names for API v2's (a spec written from Ziti's docs): the suggestion when one is used.
ZITI_NAMES = {'serviceRoles': 'serviceAttributes', 'identityRoles': 'endpointAttributes',
              'endpointRoles': 'endpointAttributes', 'edgeRouterRoles': 'edgeRouterAttributes',
              'postureCheckRoles': 'postureCheckAttributes', 'roleAttributes': 'attributes'}


class Type:
    """One resource type. list_key: the _embedded key of its HAL pages; by_name: the query that finds by name;
    status: whether its answers carry a status (recorded: networks and edge routers only); properties: name -> mode
    (None: open, see the module's docstring); server: keys the API sets besides COMMON_SERVER; defaults: what a create
    sends unless spec says otherwise (the SDK's bodies, which the recorded requests always hold too); needs: what a
    create must have, each a property or a tuple of alternatives; dest: the option that writes its one-time credential
    to a file."""

    def __init__(self, name, list_key, properties, status=False, by_name='name', server=(), defaults=None, needs=(),
                 dest=None):
        self.name = name
        self.list_key = list_key
        self.properties = properties
        self.status = status
        self.by_name = by_name
        self.server = frozenset(COMMON_SERVER + tuple(server) + ('status',) * status)
        self.defaults = defaults or {}
        self.needs = needs
        self.dest = dest

    @property
    def path(self):
        return 'core/v2/%s' % self.name

    @property
    def scoped(self):
        return self.name != 'networks'

    @property
    def open(self):
        return self.properties is None

    def mode(self, prop, extra=()):
        """The mode of a property of spec (MANAGED for an open type's and for extra_properties), or None."""
        if self.open or prop in extra:
            return MANAGED
        return self.properties.get(prop)

    def compared(self, prop, extra=()):
        return self.mode(prop, extra) in (MANAGED, FROZEN)


TYPES = dict((row.name, row) for row in (
    Type('networks', 'networkList', by_name='findByName', status=True,
         properties={'size': MANAGED, 'productVersion': MANAGED, 'networkGroupId': MANAGED,
                     'o365BreakoutCategory': MANAGED, 'locationCode': CREATE, 'provider': CREATE, 'region': CREATE},
         server=('networkController', 'sdsPassword'),
         defaults={'size': 'medium'}, needs=(('locationCode', 'region'),)),
    Type('endpoints', 'endpointList',
         properties={'attributes': MANAGED, 'sessionIdentityId': MANAGED, 'enrollmentMethod': CREATE},
         server=('jwt', 'jwtExpiresAt', 'appId', 'appVersion', 'arch', 'branch', 'hasApiSession',
                 'hasEdgeRouterConnection', 'mfaEnabled', 'os', 'osRelease', 'osVersion', 'revision', 'sessionActive',
                 'syncId', 'syncResourceId', 'type', 'typeId', 'version'),
         defaults={'attributes': [], 'enrollmentMethod': {'ott': True}}, dest='enrollment_jwt_dest'),
    Type('edge-routers', 'edgeRouterList', status=True,
         properties={'attributes': MANAGED, 'linkListener': MANAGED, 'tunnelerEnabled': MANAGED, 'provider': CREATE,
                     'locationCode': CREATE, 'dataCenterId': CREATE},
         server=('jwt', 'registration', 'registrationKey', 'hostId', 'online', 'verified', 'ipAddress',
                 'locationMetadataId', 'providerId', 'userData', 'productVersion', 'hostSize'),
         defaults={'attributes': [], 'linkListener': False, 'tunnelerEnabled': False}, dest='registration_key_dest'),
    Type('edge-router-policies', 'edgeRouterPolicyList',
         properties={'edgeRouterAttributes': MANAGED, 'endpointAttributes': MANAGED},
         defaults={'edgeRouterAttributes': [], 'endpointAttributes': []}),
    Type('services', 'serviceList',
         properties={'attributes': MANAGED, 'encryptionRequired': MANAGED, 'model': MANAGED, 'modelType': FROZEN,
                     'configs': CREATE, 'edgeRouterAttributes': CREATE},
         server=('authority', 'configIdByConfigTypeId'),
         defaults={'attributes': [], 'encryptionRequired': True}, needs=(('modelType', 'configs'),)),
    Type('service-policies', 'servicePolicyList',
         properties={'type': MANAGED, 'semantic': MANAGED, 'serviceAttributes': MANAGED, 'endpointAttributes': MANAGED,
                     'postureCheckAttributes': MANAGED},
         server=('authority',),
         defaults={'semantic': 'AnyOf', 'serviceAttributes': [], 'endpointAttributes': [], 'postureCheckAttributes': []},
         needs=('type',)),
    Type('service-edge-router-policies', 'serviceEdgeRouterPolicyList',
         properties={'semantic': MANAGED, 'serviceAttributes': MANAGED, 'edgeRouterAttributes': MANAGED},
         server=('authority',),
         defaults={'semantic': 'AnyOf', 'serviceAttributes': [], 'edgeRouterAttributes': []}),
    Type('app-wans', 'appWanList',
         properties={'endpointAttributes': MANAGED, 'serviceAttributes': MANAGED, 'postureCheckAttributes': MANAGED},
         defaults={'endpointAttributes': [], 'serviceAttributes': [], 'postureCheckAttributes': []}),
    Type('posture-checks', 'postureCheckList', properties=None),
    Type('certificate-authorities', 'certificateAuthorityList', properties=None),
    Type('configs', 'configList', properties=None),
    Type('config-types', 'configTypeList', properties=None),
    Type('terminators', 'terminatorList', properties=None),
))
# A property a type cannot change after creation is FROZEN above; networkId (the network option) is frozen for every
# type but networks, and name is managed everywhere (the SDK sends it in every PATCH).
