# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the controller-side plugins find option values, and the once-only work of the hot path."""

import pytest

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._options import CORE
from ansible_collections.netfoundry.api.plugins.plugin_utils._sources import gather


def _gather(direct, variables, warnings, config_file=''):
    return gather(direct, variables, lambda value: value, CORE, warnings.append, config_file=config_file)


def test_keyword_then_variable_then_ansible_cfg(tmp_path):
    cfg = tmp_path / 'ansible.cfg'
    cfg.write_text('[netfoundry]\ntimeout = 7\nmin_ttl = 60\nretries = 2\n')
    warnings = []
    raw, origins = _gather({'timeout': 3}, {'netfoundry_min_ttl': 90}, warnings, str(cfg))
    assert (raw['timeout'], raw['min_ttl'], raw['retries']) == (3, 90, '2')
    assert origins == {'min_ttl': 'variable netfoundry_min_ttl', 'retries': 'ansible.cfg [netfoundry] retries'}
    assert warnings == []


def test_unknown_keyword_and_secret_in_ansible_cfg(tmp_path):
    with pytest.raises(NFError, match=r'unknown option\(s\) timeoutt \(did you mean timeout\?\)'):
        _gather({'timeoutt': 3}, {}, [])
    cfg = tmp_path / 'ansible.cfg'
    cfg.write_text('[netfoundry]\nclient_secret = nope\n')
    with pytest.raises(NFError, match='client_secret may not come from ansible.cfg'):
        _gather({}, {}, [], str(cfg))


def test_a_misspelled_variable_is_named_once_and_each_mapping_is_looked_through():
    warnings = []
    variables = {'netfoundry_clientid': 'x', 'other': 1}
    for _evaluation in range(3):
        _gather({}, variables, warnings)
    assert warnings == ['variable netfoundry_clientid is not an input or output of netfoundry.api and is ignored; '
                        'did you mean netfoundry_client_id?']
    variables['netfoundry_tiemout'] = 5  # the same mapping, grown: looked through again
    _gather({}, variables, warnings)
    assert len(warnings) == 2 and 'netfoundry_tiemout' in warnings[1]
    _gather({}, {'netfoundry_min_tl': 1}, warnings)  # another mapping
    assert len(warnings) == 3 and 'netfoundry_min_tl' in warnings[2]
