# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""NF Console's network download as network-as-code vars (plugin_utils/_download.py): what an outsider found."""

import pytest

from ansible_collections.netfoundry.api.plugins.plugin_utils._download import from_download


def test_a_certificate_authority_is_left_out_and_keeps_the_networks_name():
    found, left_out = from_download({'name': 'acme', 'certificateAuthorities': [{'name': 'Corp Root CA'}]})
    assert found['nf_network'] == 'acme'
    assert left_out == [{'type': 'certificate-authorities', 'name': 'Corp Root CA', 'reason': (
        'a certificate authority needs its certificate verified: make it with nf_resource')}]


@pytest.mark.parametrize('download, options, message', [
    ({'name': 'n', 'size': [1]}, {}, "the network download's size must be text, got list [1]"),
    ({'name': 'n'}, {'network_group': 5}, 'network_group must be a name (text), got int 5'),
    ({'name': 'n'}, {'network': ''}, "network must be a name (text), got str ''"),
    ({'name': 'n'}, {'network': ['x']}, "network must be a name (text), got list ['x']"),
])
def test_wrong_types_are_one_line(download, options, message):
    with pytest.raises(ValueError) as error:
        from_download(download, **options)
    assert str(error.value) == message
