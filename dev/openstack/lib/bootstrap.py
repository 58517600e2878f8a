"""Creates, if missing, what the test bed's users need: service users and endpoints
(step "identity"), then flavors, base images and the network (step "resources"), then the
QEMU host's isolation once its nova-compute has registered (step "qemu-host").
Every step finds before it creates, so running it again changes nothing.

usage: bootstrap.py identity|resources|qemu-host   (reads HEPS_OPENSTACK_HOME and its secrets)
"""
import os
import sys
import time

import openstack
import openstack.exceptions

HOME = os.environ.get("HEPS_OPENSTACK_HOME", "/var/lib/heps-openstack")
KEYSTONE = "http://127.0.0.1:5000/v3"


def secrets():
    values = {}
    with open(os.path.join(HOME, "secrets")) as f:
        for line in f:
            key, _, value = line.strip().partition("=")
            values[key] = value
    return values


def admin_connection(s):
    return openstack.connect(auth_url=KEYSTONE, username="admin", password=s["ADMIN_PASSWORD"],
                             project_name="admin", user_domain_name="Default",
                             project_domain_name="Default", region_name="RegionOne",
                             identity_api_version="3", interface="public")


def ensure_user(conn, name, password, project, roles):
    user = conn.identity.find_user(name, domain_id="default")
    if user is None:
        user = conn.identity.create_user(name=name, password=password, domain_id="default",
                                         default_project_id=project.id)
    else:
        conn.identity.update_user(user, password=password)
    for role_name in roles:
        role = conn.identity.find_role(role_name)
        conn.identity.assign_project_role_to_user(project, user, role)
    return user


def ensure_project(conn, name, description):
    project = conn.identity.find_project(name, domain_id="default")
    return project or conn.identity.create_project(name=name, domain_id="default",
                                                   description=description)


def ensure_service(conn, name, kind, url):
    service = next((s for s in conn.identity.services() if s.type == kind), None)
    if service is None:
        service = conn.identity.create_service(name=name, type=kind, enabled=True)
    existing = {e.interface: e for e in conn.identity.endpoints(service_id=service.id)}
    for interface in ("public", "internal"):
        if interface not in existing:
            conn.identity.create_endpoint(service_id=service.id, interface=interface, url=url,
                                          region_id="RegionOne")
        elif existing[interface].url != url:
            conn.identity.update_endpoint(existing[interface], url=url)


def identity(s):
    conn = admin_connection(s)
    service_project = ensure_project(conn, "service", "OpenStack service users")
    heps_project = ensure_project(conn, "heps", "HEPS Cloud Desktop")
    for user in ("nova", "placement", "glance", "neutron"):
        ensure_user(conn, user, s["SERVICE_PASSWORD"], service_project, ["admin"])
    ensure_user(conn, "heps-agent", s["HEPS_PASSWORD"], heps_project, ["member", "reader"])
    # The admin may act inside the heps project too (to see its servers with their hosts).
    admin = conn.identity.find_user("admin", domain_id="default")
    conn.identity.assign_project_role_to_user(heps_project, admin, conn.identity.find_role("admin"))
    ensure_service(conn, "placement", "placement", "http://127.0.0.1:8778")
    ensure_service(conn, "glance", "image", "http://127.0.0.1:9292")
    ensure_service(conn, "nova", "compute", "http://127.0.0.1:8774/v2.1")
    ensure_service(conn, "neutron", "network", "http://127.0.0.1:9696")


QEMU_HOST = "heps-compute-qemu"
QEMU_TRAIT = "CUSTOM_HEPS_QEMU"
QEMU_AGGREGATE = "heps-qemu"

FLAVORS = [
    # name, vcpus, ram MiB, disk GiB, extra specs. Small, because the fake driver's hosts
    # have 2 vCPUs and 8 GiB each and Placement refuses one allocation larger than a host.
    ("heps.desktop.cpu", 1, 1024, 5, {}),
    ("heps.desktop.gpu1", 2, 2048, 5, {"pci_passthrough:alias": "a100:1"}),
    ("heps.desktop.gpu2", 2, 4096, 5, {"pci_passthrough:alias": "a100:2"}),
    # A real guest under emulation on the QEMU host (step "qemu-host" keeps every other flavor off it).
    ("heps.desktop.qemu", 2, 2048, 6, {"trait:" + QEMU_TRAIT: "required"}),
]

IMAGES = [
    ("heps-base-windows", {"os_type": "windows", "os_distro": "windows", "hw_disk_bus": "sata"}),
    ("heps-base-linux", {"os_type": "linux", "os_distro": "ubuntu", "hw_disk_bus": "virtio"}),
]


def resources(s):
    conn = admin_connection(s)
    for name, vcpus, ram, disk, specs in FLAVORS:
        flavor = conn.compute.find_flavor(name)
        if flavor is None:
            flavor = conn.compute.create_flavor(name=name, vcpus=vcpus, ram=ram, disk=disk,
                                                is_public=True)
        if specs:
            conn.compute.create_flavor_extra_specs(flavor, specs)

    for name, properties in IMAGES:
        if conn.image.find_image(name) is None:
            # A tiny raw disk: the fake virt driver never reads it, Glance only stores it.
            image = conn.image.create_image(name=name, disk_format="raw", container_format="bare",
                                            visibility="public", data=b"\0" * 1024 * 1024,
                                            **properties)
            print("image %s %s" % (name, image.id))

    heps = conn.identity.find_project("heps", domain_id="default")
    network = conn.network.find_network("heps-vm-network")
    if network is None:
        network = conn.network.create_network(name="heps-vm-network", shared=True,
                                              provider_network_type="flat",
                                              provider_physical_network="heps")
    # The gateway is the guests' DNS server too: the Samba AD test bed answers there for its domain
    # (dev/samba-ad), so a real guest finds the domain controller it joins. Nova's config drive
    # hands the address to the guest with its static network.
    subnets = list(conn.network.subnets(network_id=network.id))
    if not subnets:
        conn.network.create_subnet(network_id=network.id, name="heps-vm-subnet", ip_version=4,
                                   cidr="10.42.0.0/20", enable_dhcp=False,
                                   gateway_ip="10.42.0.1", dns_nameservers=["10.42.0.1"])
    elif subnets[0].dns_nameservers != ["10.42.0.1"]:
        conn.network.update_subnet(subnets[0], dns_nameservers=["10.42.0.1"])
    print("project heps %s network %s" % (heps.id, network.id))


def qemu_host(s):
    """An isolated aggregate (Nova's enable_isolated_aggregate_filtering): the QEMU host carries a
    trait only heps.desktop.qemu requires, so a fake-driver flavor never lands on a real guest's
    host, and that flavor lands nowhere else."""
    conn = admin_connection(s)
    deadline = time.monotonic() + 180
    while True:
        # libvirt names the node after the machine, so the provider is found through Nova's record
        # of the host's hypervisor (its id is the provider's uuid).
        try:
            hypervisors = [h for h in conn.compute.hypervisors(details=True)
                           if (h.service_details or {}).get("host") == QEMU_HOST]
            providers = [conn.placement.get("/resource_providers/" + h.id).json() for h in hypervisors[:1]]
        except openstack.exceptions.SDKException as e:
            # The hypervisor listing asks each compute service over RPC: one that is (re)starting fails it.
            print("not yet: %s" % e, file=sys.stderr)
            providers = []
        if providers:
            break
        if time.monotonic() > deadline:
            sys.exit("%s has not registered with Nova and Placement within 180 s" % QEMU_HOST)
        time.sleep(2)
    provider = providers[0]
    conn.placement.put("/traits/" + QEMU_TRAIT, microversion="1.6")
    current = conn.placement.get("/resource_providers/%s/traits" % provider["uuid"], microversion="1.6").json()
    if QEMU_TRAIT not in current["traits"]:
        conn.placement.put("/resource_providers/%s/traits" % provider["uuid"], microversion="1.6",
                           json={"traits": current["traits"] + [QEMU_TRAIT],
                                 "resource_provider_generation": current["resource_provider_generation"]})
    aggregate = next((a for a in conn.compute.aggregates() if a.name == QEMU_AGGREGATE), None)
    if aggregate is None:
        aggregate = conn.compute.create_aggregate(name=QEMU_AGGREGATE)
    if QEMU_HOST not in (aggregate.hosts or []):
        aggregate = conn.compute.add_host_to_aggregate(aggregate, QEMU_HOST)
    if (aggregate.metadata or {}).get("trait:" + QEMU_TRAIT) != "required":
        conn.compute.set_aggregate_metadata(aggregate, {"trait:" + QEMU_TRAIT: "required"})
    print("qemu host %s provider %s aggregate %s" % (QEMU_HOST, provider["uuid"], aggregate.id))


if __name__ == "__main__":
    {"identity": identity, "resources": resources, "qemu-host": qemu_host}[sys.argv[1]](secrets())
