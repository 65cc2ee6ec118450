# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netfoundry.api.nf_resource: one NetFoundry resource in the wanted state, from the controller (the engine is
plugin_utils/_resources.py; the token and the API client are the ones every action shares)."""

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFTokenError
from ansible_collections.netfoundry.api.plugins.module_utils._options import plain
from ansible_collections.netfoundry.api.plugins.plugin_utils._resources import (
    KINDS, SERVER_PROPS, Resources, differs, hide_secrets, managed, merged, network_id, write_private)
from ansible_collections.netfoundry.api.plugins.plugin_utils._task import ApiAction, failed

RESULT_SECRETS = {'jwt': 'enrollment_jwt', 'registrationKey': 'registration_key'}
MAX_WAIT = 86400


def check_args(args):
    """The one line for arguments that cannot go together (before any request)."""
    kind = KINDS[args['type']]
    if kind.scoped and not args['network']:
        return 'option network is required for type %s (the network\'s name or id)' % kind.name
    if not kind.scoped and args['network']:
        return 'option network is not for type networks: give the network\'s name or id'
    for option, wanted in (('enrollment_jwt_dest', 'endpoints'), ('registration_key_dest', 'edge-routers')):
        if args.get(option) and kind.name != wanted:
            return 'option %s is only for type %s' % (option, wanted)
    if args.get('wait_timeout') is not None and not 0 <= args['wait_timeout'] <= MAX_WAIT:
        return 'option wait_timeout must be 0 to %d seconds (a day), got %s' % (MAX_WAIT, str(args['wait_timeout'])[:40])
    spec = args.get('spec') or {}
    for prop in ('networkId', 'id'):
        if prop in spec:
            return 'spec.%s is set by the API: give the network in option network and the id in option id' % prop
    if 'name' in spec and args['name'] is not None and spec['name'] != args['name']:
        return 'spec.name %r and option name %r differ: give the name once' % (spec['name'], args['name'])
    ignored = sorted(prop for prop in spec if prop in SERVER_PROPS)
    if ignored:
        return 'spec.%s is set by the API and cannot be managed: leave it out of spec' % ignored[0]
    return None


class ActionModule(ApiAction):

    GROUP = 'resource'

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self.start(result, task_vars, mutually_exclusive=[('name', 'id')], required_one_of=[('name', 'id')])
        if args is None:
            return result
        args['spec'] = plain(args['spec'] or {})
        problem = check_args(args)
        if problem:
            return failed(result, problem)
        client = engine = None
        try:
            client, api_url = self.client(args, task_vars)
            engine = Resources(client, api_url, args['type'], self._task.check_mode)
            result.update(self._apply(engine, args))
        except NFTokenError as exc:
            failed(result, client.redact(exc.message) if client else exc.message)
            if engine is not None and engine.writes:  # it failed after a write: the API did change
                result['changed'] = True
            return result
        if not self._task.diff:
            result.pop('diff', None)
        if 'msg' in result:
            result['msg'] = client.redact(result['msg'])
        return result

    def _apply(self, engine, args):
        kind, spec, name = engine.kind, args['spec'], args['name'] or args['spec'].get('name')
        check = engine.check_mode
        net = None
        if kind.scoped:
            net = network_id(engine.client, engine.api_url, args['network'])
            if net is None:
                if args['state'] == 'absent':
                    return dict(changed=False, method='none', msg='network %r does not exist: nothing to delete'
                                % args['network'])
                if not check:
                    raise NFTokenError('network %r does not exist: create it first (type networks), or check the name'
                                       % args['network'])
        existing = engine.find(net, name, args['id']) if net is not None or not kind.scoped else None
        shown = ['name'] + sorted(prop for prop in spec if prop != 'name')
        if args['state'] == 'absent':
            return self._absent(engine, args, existing, shown)
        if existing is None:
            if args['id'] is not None:
                raise NFTokenError('there is no %s with id %s: give name (and spec) to create one'
                                   % (kind.name, args['id']))
            after = dict(spec, name=name)
            out = dict(changed=True, method='create', diff=dict(before={}, after=managed(shown, after)))
            if check:
                if net is None and kind.scoped:
                    out['msg'] = ('network %r does not exist yet: %s %r would be created in it'
                                  % (args['network'], kind.name, name))
                return out
            created, reply = engine.create(net, name, spec)
            if created is None:  # 409: another writer made it since we looked
                existing = engine.find(net, name)
                if existing is None:
                    raise NFTokenError('creating %s %r: the API answered HTTP 409%s but lists no %s by that name' % (
                        kind.name, name, reply.reason(), kind.name))
            else:
                return self._finish(engine, args, created, out)
        before = managed(shown, existing)
        # An object is sent whole, the user's keys laid over the API's: the API merges only the top level, so keys
        # the user left out would be lost.
        changes = dict((prop, merged(value, existing.get(prop))) for prop, value in spec.items()
                       if differs(value, existing.get(prop), prop))
        if args['id'] is not None and name is not None and existing.get('name') != name:
            changes['name'] = name  # found by id, renamed (found by name, only the case could differ: kept)
        frozen = sorted(prop for prop in changes if prop in kind.no_update)
        if frozen:
            raise NFTokenError('%s %r: %s cannot be changed after creation (the API keeps %s): delete it (state: absent) '
                               'and create it again, or leave %s out of spec' % (
                                   kind.name, existing.get('name'), ', '.join(frozen),
                                   ', '.join('%s=%s' % (prop, _short(existing.get(prop))) for prop in frozen),
                                   ' and '.join(frozen)))
        out = dict(changed=bool(changes), method='update' if changes else 'none',
                   diff=dict(before=before, after=dict(before, **dict((k, v) for k, v in changes.items() if k in shown))))
        if changes and not check:
            existing = engine.update(existing, changes)
        return self._finish(engine, args, existing, out)

    def _absent(self, engine, args, existing, shown):
        if existing is None:
            return dict(changed=False, method='none')
        out = dict(changed=True, method='delete', id=existing.get('id'),
                   diff=dict(before=managed(shown, existing), after={}))
        if engine.check_mode:
            return out
        deleting = engine.delete(existing)
        if deleting is not None and args['wait']:
            engine.wait(dict(existing, **deleting), args['wait_timeout'], gone=True)
        return out

    def _finish(self, engine, args, resource, out):
        """Wait for the final status, keep the one-time credentials out of the result (to their files when asked)."""
        if not engine.check_mode and args['wait']:
            resource = engine.wait(resource, args['wait_timeout'])
        resource, secrets = hide_secrets(resource, engine.client)
        for key, option in engine.kind.secrets:
            if key in secrets and args.get(option):
                out['changed'] = write_private(args[option], secrets[key], engine.check_mode) or out['changed']
        if args['return_enrollment_secrets']:
            for key, _option in engine.kind.secrets:
                if key in secrets:
                    out[RESULT_SECRETS[key]] = secrets[key]
        out.update(id=resource.get('id'), resource=resource, status=resource.get('status'))
        return out


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + '...'
