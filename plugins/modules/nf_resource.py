#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: nf_resource
short_description: Keep a NetFoundry resource (network, endpoint, edge router, service, policy...) in the wanted state
version_added: 3.0.0
description:
  - Makes one NetFoundry resource of the given O(type) exist with the properties in O(spec) (O(state=present)), or
    not exist (O(state=absent)), and waits as long as NetFoundry's answers allow (see O(wait)).
  - "Idempotent: the resource is found by O(name) within O(network) (names compare case-insensitively, as in
    NetFoundry's own SDK) or by O(id). It is created when missing; otherwise only the properties of O(spec) whose
    values differ are sent, in one C(PATCH). C(changed) is true only when the API accepted a write (or a secret file
    was written)."
  - "How values compare: an object in O(spec) matches when every key it gives matches (keys you leave out are not
    managed); role-attribute lists (C(#name) or C(@name) items, or a property named C(attributes) or ending in
    C(Attributes)) compare as sets, so their order does not matter; a whole number and its decimal text are equal
    (the API answers C(\"80\") as C(80)); other lists and values compare exactly."
  - "O(spec) takes the properties NetFoundry's API v2 knows for the type (the table in the notes), by their API v2
    names: a property the type does not have fails before any request, naming the closest one (C(serviceRoles) is the
    Ziti controller's name; API v2 says C(serviceAttributes)). After a write, a property the API did not keep as sent
    fails the task, naming it, so that a run never reports C(changed) for a value that does not stick."
  - Check mode (C(--check)) predicts C(changed) without writing; C(--diff) shows the managed properties (O(name) and
    the keys of O(spec)) before and after.
  - The token comes from the same place as for M(netfoundry.api.nf_request) (the role's session, or the token options
    and C(netfoundry_*) variables, through the shared token cache) and is never in the result or the output.
  - Endpoints carry a one-time enrollment JWT and customer-hosted edge routers get a registration key; whoever holds
    one can enroll or register as that resource. They are never in the result (C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER)
    stands in for them) unless you ask with O(return_enrollment_secrets); O(enrollment_jwt_dest) and
    O(registration_key_dest) write them to a file only you can read.
options:
  type:
    description:
      - The resource type, as in the API's path C(core/v2/<type>).
      - Every type NetFoundry's SDK treats as changeable is supported. C(networks) take minutes to provision.
  network:
    description:
      - The name or id of the network the resource belongs to. Required for every type but C(networks).
      - An id is used as it is; a name is looked up once per task (the items of a loop share the look-up).
    type: str
  name:
    description:
      - The resource's name, unique per type within its network. Give O(name) or O(id).
      - When O(id) is not given, the resource is found by this name.
    type: str
  id:
    description:
      - The id of an existing resource, instead of O(name). With O(state=present) the resource must exist (an id
        cannot be chosen at creation); a C(name) in O(spec) then renames it.
    type: str
  state:
    description:
      - V(present) creates the resource or updates the properties of O(spec) that differ; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  spec:
    description:
      - The properties you manage, by NetFoundry's API v2 names (the table in the notes says which each type has and
        what a create needs). C(name) and C(networkId) are filled in from O(name) and O(network).
      - A property the type does not have fails before any request, with the closest name; properties the API sets
        (C(id), C(networkId), C(status), C(zitiId), C(jwt), C(registration), ...) are refused.
      - An object is compared as a subset and sent whole, the keys you give laid over the API's value, so the keys
        you leave out keep their values (the API replaces each top-level property a C(PATCH) sends).
      - A property that cannot change after creation (a service's C(modelType)) and differs fails the task, naming
        it; delete the resource and create it again to change it.
      - Some properties are taken only when the resource is created, because the API never gives them back (an
        endpoint's C(enrollmentMethod), a service's inline C(configs), a network's C(locationCode), an edge router's
        C(provider) and C(locationCode)); on an existing resource they are not compared, so changing them changes
        nothing.
      - "Creates send what NetFoundry's SDK sends unless O(spec) says otherwise, for example an endpoint's
        C(enrollmentMethod) C({\"ott\": true}) (one-time-token enrollment) and C(attributes) C([])."
    type: dict
    default: {}
  nested:
    description:
      - How an object in O(spec) (a service's C(model), a config's C(data)) meets the API's value.
      - V(merge) compares it as a subset (keys you leave out are not managed) and sends it laid over the API's value,
        so the keys you leave out keep their values.
      - V(replace) makes it the whole value, as NetFoundry's console and C(nfctl edit) do. It matches only with the
        same keys, and it is sent as given, so keys you leave out are removed (a service C(model) that had C(host)
        and now gets C(forwardHost) loses C(host)). C(--diff) shows the whole object before and after.
    type: str
    choices: [merge, replace]
    default: merge
  check_names:
    description:
      - "Role lists (a policy's C(serviceAttributes), C(endpointAttributes), C(edgeRouterAttributes),
        C(postureCheckAttributes); a service model's C(bindEndpointAttributes) and C(edgeRouterAttributes)) hold
        C(#attribute) and C(@name) items. An id or a bare name there is turned into the C(@name) of that resource, as
        NetFoundry's SDK does, and every C(@name) must name a resource of the network: a missing one fails the task
        before any write, naming it. A service model's C(edgeRouterHosts[].edgeRouterName) (as NF Console's network
        download writes it) is turned into the C(edgeRouterId) the API wants."
      - In check mode, a name an earlier task of the same run would create counts as there.
      - V(false) sends a C(@name) that names nothing yet (a resource a later task makes), unchecked.
    type: bool
    default: true
  rotate_registration_key:
    description:
      - For C(edge-routers) only. Ask NetFoundry for a new registration key, which voids the one before, and write it
        to O(registration_key_dest) (or return it with O(return_enrollment_secrets)), even when the file is there. A
        router that is registered already, or hosted by NetFoundry, gets none. C(changed) is true when a key was
        issued.
    type: bool
    default: false
  extra_properties:
    description:
      - Properties of O(spec) to send although this collection's table does not list them for the type (a property
        NetFoundry added since). They are compared like the others, and a value the API does not keep still fails
        the task after the write.
    type: list
    elements: str
    default: []
  wait:
    description:
      - Wait until NetFoundry has finished the work a write started (after O(state=present)) or the delete (after
        O(state=absent)), as far as its answers allow. A write that links its asynchronous work (networks,
        endpoints, edge routers and services link a process) is followed until that work is done; then a network or
        an edge router, whose answers carry a C(status), until it is C(PROVISIONED) (or gone). Policies and AppWANs
        are done when the API answers. Polling backs off from 0.5 to 10 seconds.
      - Work that fails, or a status C(ERROR) or C(SUSPENDED), fails the task with NetFoundry's own words.
      - An unchanged resource costs no request for waiting, unless it is a network or edge router still being
        provisioned.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds the task waits at most for NetFoundry's work (up to a day), in all, every poll, retry and
        C(Retry-After) pause of that waiting included. When it runs out the task fails; running it again later finds
        the resource and waits again.
      - The look-up and the write themselves are API calls like any other, bounded by O(timeout) and O(retries).
    type: int
    default: 600
  enrollment_jwt_dest:
    description:
      - For C(endpoints) only. Write the endpoint's one-time enrollment JWT to this file on the controller, created
        with mode C(0600) (replaced atomically, only when it differs; its folder must exist, which is checked before
        any request).
      - A folder (one that exists, or a path ending with C(/), made with mode C(0700), with its missing parents, when
        a file is written) holds one file per endpoint, C(<name>.jwt). In the name, C(/), a backslash, NUL and C(%) are
        written C(%XX) and a leading C(.) as C(%2E), so that no two names share a file.
      - With O(state=absent), the file of the deleted endpoint is removed.
      - A new endpoint has no JWT in the API's first answer, so it is read again, within O(wait_timeout), until
        NetFoundry has issued it. Nothing is written once the endpoint is enrolled (it has no JWT any more).
      - A device, FIFO or directory at the path is refused; a symlink is replaced, never followed. Check mode reports
        whether the file would change.
    type: path
  registration_key_dest:
    description:
      - For C(edge-routers) only. Write a customer-hosted edge router's registration key to this file on the
        controller, mode C(0600), as for O(enrollment_jwt_dest) (a folder holds C(<name>.key) files; the file of a
        deleted router is removed).
      - An edge router holds no key. It is asked for from NetFoundry
        (C(POST core/v2/edge-routers/<id>/registration-key)), and each request issues a new key and voids the one
        before. So it is asked for only when the router is created or this file is missing; a re-run with the file in
        place leaves file and key as they are. Delete the file to get a new key. A router that is registered already
        (C(verified)) or hosted by NetFoundry gets none.
    type: path
  return_enrollment_secrets:
    description:
      - Return the enrollment JWT (RV(enrollment_jwt)) or a registration key issued by this task
        (RV(registration_key)) in the result. They are then in the task's result, in C(register)ed variables and in
        what the callback shows, so use C(no_log) on the task.
    type: bool
    default: false
notes:
  - "What each type takes (NetFoundry's API v2, as recorded from the real API and as NetFoundry's SDK sends it;
    NetFoundry's API reference: U(https://developer.netfoundry.io/guides/introduction/)). C(networks): C(locationCode)
    (or C(region), checked against the API's data centers) is needed to create one; C(networkGroupId) (a name or an
    id; default the organization's first group), C(size) (default C(medium)), C(productVersion) (C(latest),
    C(default) or a version), C(o365BreakoutCategory). C(endpoints): C(attributes), C(enrollmentMethod)
    (create only), C(sessionIdentityId). C(edge-routers): C(attributes), C(linkListener), C(tunnelerEnabled), and
    C(provider) with C(locationCode) (checked against the API's data centers; or C(dataCenterId)) for a router
    NetFoundry hosts (create only; C(linkListener)
    then defaults to true, as the SDK sends). C(services): C(modelType) (cannot change) with its C(model), or inline
    C(configs) (each C(name), C(configTypeName), C(data); create only), is needed; C(attributes),
    C(encryptionRequired), C(edgeRouterAttributes) (create only). C(service-policies): C(type) (C(Dial) or C(Bind),
    needed), C(semantic) (default C(AnyOf)), C(serviceAttributes), C(endpointAttributes), C(postureCheckAttributes).
    C(service-edge-router-policies): C(semantic), C(serviceAttributes), C(edgeRouterAttributes).
    C(edge-router-policies): C(edgeRouterAttributes), C(endpointAttributes) (no C(semantic)). C(app-wans):
    C(endpointAttributes), C(serviceAttributes), C(postureCheckAttributes). Role lists hold C(#attribute) and
    C(@name) items."
  - C(posture-checks), C(certificate-authorities), C(configs), C(config-types) and C(terminators) were never recorded
    from the real API and NetFoundry's SDK builds no body for them; their O(spec) is sent as given and every key is
    compared.
  - The API calls go through the same HTTP client as M(netfoundry.api.nf_request), with the same O(timeout),
    O(retries) (reads and deletes are retried; creates and updates are never sent twice), proxy and TLS rules.
  - Creating a resource that another writer created between the look-up and the create (HTTP 409) is not an error;
    the resource is found again and updated as needed.
  - Differences from NetFoundry's C(netfoundry.platform) collection, on purpose. C(changed) only when a property
    differs. Check mode and diff mode are supported. One token for the play, never in the result. Enrollment
    secrets are hidden unless you ask for them.
extends_documentation_fragment:
  - netfoundry.api.token
  - netfoundry.api.action
  - netfoundry.api.action.session
  - netfoundry.api.action.resource_type
attributes:
  diff_mode:
    support: full
  async:
    support: none
    details: It runs on the controller. To make many resources at once, see O(wait).
seealso:
  - module: netfoundry.api.nf_resource_info
  - module: netfoundry.api.nf_request
requirements:
  - requests (on the controller)
'''

EXAMPLES = r'''
- name: An endpoint for a laptop, with its one-time enrollment JWT in a private file
  netfoundry.api.nf_resource:
    type: endpoints
    network: lab-network
    name: laptop-01
    spec:
      attributes: ["#workstations", "#eu"]
    enrollment_jwt_dest: "{{ playbook_dir }}/laptop-01.jwt"

- name: A customer-hosted edge router, its registration key in a private file
  netfoundry.api.nf_resource:
    type: edge-routers
    network: lab-network
    name: branch-router
    spec:
      attributes: ["#branches"]
      tunnelerEnabled: true
    registration_key_dest: "{{ playbook_dir }}/branch-router.key"

- name: A service hosted by the endpoints with the attribute web-hosts, and who may dial it
  netfoundry.api.nf_resource:
    type: "{{ item.type }}"
    network: lab-network
    name: "{{ item.name }}"
    spec: "{{ item.spec }}"
  loop:
    - type: services
      name: wiki
      spec:
        attributes: ["#internal-web"]
        modelType: TunnelerToEndpoint
        model:
          clientIngress: {host: wiki.lab.example, port: 443}
          serverEgress: {protocol: tcp, host: 127.0.0.1, port: 443}
          bindEndpointAttributes: ["#web-hosts"]
          edgeRouterAttributes: ["#all"]
    - type: service-policies
      name: workstations-dial-web
      spec:
        type: Dial
        serviceAttributes: ["#internal-web"]
        endpointAttributes: ["#workstations"]
    - type: edge-router-policies
      name: everyone-uses-every-router
      spec:
        edgeRouterAttributes: ["#all"]
        endpointAttributes: ["#all"]
  loop_control:
    label: "{{ item.type }} {{ item.name }}"

- name: Delete an endpoint and wait until it is gone
  netfoundry.api.nf_resource:
    type: endpoints
    network: lab-network
    name: laptop-01
    state: absent
'''

RETURN = r'''
changed:
  description: Whether the resource was created, updated or deleted (or a secret file written).
  returned: always
  type: bool
method:
  description: What was done (or, in check mode, would be done) to the resource.
  returned: success
  type: str
  choices: [create, update, delete, none]
  sample: update
id:
  description: The resource's id.
  returned: when the resource exists (or existed, after a delete)
  type: str
  sample: 5b2a8f4e-0c1d-4e55-9d4b-3f0a2b1c9d8e
status:
  description: A network's or edge router's status after the wait (C(PROVISIONED)), or as the API last gave it with
    O(wait=false). Other types have no status.
  returned: when the resource is a network or an edge router and exists
  type: str
  sample: PROVISIONED
resource:
  description:
    - The resource as the API gives it, its one-time enrollment JWTs, registration keys and passwords replaced by
      C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER). In check mode, the resource as it is now (before the change).
  returned: when the resource exists, except in check mode when it would be created
  type: dict
  sample: {"id": "5b2a8f4e-0c1d-4e55-9d4b-3f0a2b1c9d8e", "name": "laptop-01", "attributes": ["#workstations"],
           "zitiId": "Yw1kVfN2o", "jwt": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"}
diff:
  description: The managed properties (O(name) and the keys of O(spec)) before and after.
  returned: in diff mode, when the resource was (or would be) changed or looked at
  type: dict
  sample: {"before": {"name": "laptop-01", "attributes": ["#eu"]}, "after": {"name": "laptop-01", "attributes": ["#eu", "#workstations"]}}
enrollment_jwt:
  description: The endpoint's one-time enrollment JWT (a credential).
  returned: O(return_enrollment_secrets=true), for an endpoint that is not enrolled yet
  type: str
registration_key:
  description: The registration key this task asked NetFoundry for (a credential).
  returned: O(return_enrollment_secrets=true), when a key was issued (see O(registration_key_dest))
  type: str
'''
