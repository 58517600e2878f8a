# Writes every configuration file under $ETC from the secrets in $H/secrets. Sourced by up.

db_url() { echo "mysql+pymysql://$DB_USER:$DB_PASSWORD@$DB_HOST:$DB_PORT/$DB_PREFIX$1?charset=utf8"; }

authtoken_section() { # $1 = service user
    cat <<EOT
[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:$KEYSTONE_PORT
auth_url = http://127.0.0.1:$KEYSTONE_PORT
auth_type = password
user_domain_name = Default
project_domain_name = Default
project_name = service
username = $1
password = $SERVICE_PASSWORD
EOT
}

service_client_section() { # $1 = section, $2 = service user
    cat <<EOT
[$1]
auth_url = http://127.0.0.1:$KEYSTONE_PORT/v3
auth_type = password
user_domain_name = Default
project_domain_name = Default
project_name = service
username = $2
password = $SERVICE_PASSWORD
region_name = RegionOne
valid_interfaces = public
EOT
}

write_configs() {
    local transport="rabbit://guest:guest@127.0.0.1:5672/$RABBIT_VHOST"
    mkdir -p "$ETC"/{keystone,placement,glance,nova,neutron} "$H"/keystone/{fernet-keys,credential-keys} \
        "$H"/glance/{images,staging,tasks} "$H"/nova/instances "$H"/nova/instances-qemu "$H"/neutron "$H"/lock "$H/lib"
    chmod 700 "$ETC" "$H/keystone"

    cat >"$ETC/keystone/keystone.conf" <<EOT
[DEFAULT]
log_file = $LOG/keystone.log
[database]
connection = $(db_url keystone)
[token]
provider = fernet
[fernet_tokens]
key_repository = $H/keystone/fernet-keys
[credential]
key_repository = $H/keystone/credential-keys
EOT

    cat >"$ETC/placement/placement.conf" <<EOT
[DEFAULT]
log_file = $LOG/placement.log
[placement_database]
connection = $(db_url placement)
[api]
auth_strategy = keystone
$(authtoken_section placement)
EOT

    cat >"$ETC/glance/glance-api.conf" <<EOT
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $GLANCE_PORT
workers = 0
log_file = $LOG/glance.log
enabled_backends = file:file
show_image_direct_url = false
[database]
connection = $(db_url glance)
[glance_store]
default_backend = file
[file]
filesystem_store_datadir = $H/glance/images
[os_glance_staging_store]
filesystem_store_datadir = $H/glance/staging
[os_glance_tasks_store]
filesystem_store_datadir = $H/glance/tasks
[paste_deploy]
flavor = keystone
config_file = $ETC/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $H/lock
$(authtoken_section glance)
EOT

    cat >"$ETC/glance/glance-api-paste.ini" <<'EOT'
[pipeline:glance-api-keystone]
pipeline = http_proxy_to_wsgi versionnegotiation authtoken context rootapp

[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app

[app:apiversions]
paste.app_factory = glance.api.versions:create_resource

[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory

[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware:HTTPProxyToWSGI.factory

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
delay_auth_decision = true

[filter:context]
paste.filter_factory = glance.api.middleware.context:ContextMiddleware.factory
EOT

    # Fake GPUs: FakeDriverWithPciResources reports three PFs (and a VF under each) on every
    # host; the three PFs are our GPUs, tracked in Placement as CUSTOM_GPU_A100.
    cat >"$ETC/nova/nova.conf" <<EOT
[DEFAULT]
transport_url = $transport
compute_driver = fake.FakeDriverWithPciResources
my_ip = 127.0.0.1
state_path = $H/nova
instances_path = $H/nova/instances
vif_plugging_is_fatal = false
vif_plugging_timeout = 0
cpu_allocation_ratio = 64.0
ram_allocation_ratio = 64.0
disk_allocation_ratio = 64.0
update_resources_interval = 10
heal_instance_info_cache_interval = -1
instance_usage_audit = false
[api]
auth_strategy = keystone
[api_database]
connection = $(db_url nova_api)
[database]
connection = $(db_url nova)
# The fake driver reports vendor ids longer than real PCI ids; let MariaDB truncate them.
mysql_sql_mode = NO_ENGINE_SUBSTITUTION
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 15
# Hosts in an aggregate that requires a trait take only flavors that require it (the QEMU host).
enable_isolated_aggregate_filtering = true
[filter_scheduler]
enabled_filters = ComputeFilter,ComputeCapabilitiesFilter,ImagePropertiesFilter,PciPassthroughFilter,ServerGroupAntiAffinityFilter,ServerGroupAffinityFilter
[quota]
driver = nova.quota.NoopQuotaDriver
[pci]
report_in_placement = true
device_spec = {"address": "0000:01:00.0", "resource_class": "CUSTOM_GPU_A100"}
device_spec = {"address": "0000:02:00.0", "resource_class": "CUSTOM_GPU_A100"}
device_spec = {"address": "0000:03:00.0", "resource_class": "CUSTOM_GPU_A100"}
alias = {"name": "a100", "device_type": "type-PF"}
[oslo_concurrency]
lock_path = $H/lock
[oslo_messaging_notifications]
driver = noop
[glance]
region_name = RegionOne
valid_interfaces = public
$(service_client_section placement placement)
$(service_client_section neutron neutron)
$(authtoken_section nova)
[wsgi]
api_paste_config = $ETC/nova/api-paste.ini
EOT
    for n in 1 2; do
        printf '[DEFAULT]\nhost = heps-compute-%s\nlog_file = %s\n' "$n" "$LOG/nova-compute-$n.log" \
            >"$ETC/nova/compute-$n.conf"
    done
    # The QEMU host: Nova's libvirt driver on plain emulation (KVM here is a nesting device that
    # hangs guests), with a config drive for each guest (the VM network has no DHCP) and qcow2
    # overlays on the cached image. Its privileged helpers run as root without sudo. Only
    # flavors that require CUSTOM_HEPS_QEMU land here (bootstrap.py, an isolated aggregate).
    local privsep="privsep-helper --config-file $ETC/nova/nova.conf --config-file $ETC/nova/compute-qemu.conf"
    cat >"$ETC/nova/compute-qemu.conf" <<EOT
[DEFAULT]
host = $QEMU_HOST
log_file = $LOG/nova-compute-qemu.log
compute_driver = libvirt.LibvirtDriver
instances_path = $H/nova/instances-qemu
force_config_drive = true
config_drive_format = iso9660
mkisofs_cmd = genisoimage
force_raw_images = false
use_cow_images = true
reserved_host_memory_mb = 2048
resume_guests_state_on_host_boot = false
# Every test build makes a new image, and each one booted here is cached under _base: drop the
# unused ones after ten minutes, not Nova's default day.
[image_cache]
manager_interval = 300
remove_unused_base_images = true
remove_unused_original_minimum_age_seconds = 600
remove_unused_resized_minimum_age_seconds = 600
[libvirt]
virt_type = qemu
# An in-order Atom's signature, so the guest's kernel turns off the Meltdown and Spectre
# mitigations emulation has no use for, with the features QEMU's Westmere adds to it: the
# desktops' software needs them (dev/openstack/README.md, "The QEMU host", says why each).
cpu_mode = custom
cpu_models = n270
cpu_model_extra_flags = lm, syscall, lahf_lm, cx16, sse4.1, sse4.2, popcnt, aes, pclmuldq
# Nova's default for a file system with O_DIRECT is cache=none: every read of the guest's disk
# then goes to this machine's own (virtual) disk, and a booting guest, which reads thousands of
# small files under emulation, waited on it. writeback reads the cached image from memory.
disk_cachemodes = file=writeback
connection_uri = qemu:///system
[nova_sys_admin]
helper_command = $privsep
[vif_plug_linux_bridge_privileged]
helper_command = $privsep
[vif_plug_ovs_privileged]
helper_command = $privsep
[os_vif_linux_bridge]
use_ipv6 = false
EOT
    printf '[DEFAULT]\nlog_file = %s\n' "$LOG/nova-api.log" >"$ETC/nova/api.conf"

    # The package proxy for the VM network (a site's mirror or proxy, as builder networks have):
    # Debian's archives only (ForceManaged), on the bridge address, so a guest gets packages and
    # no other way out.
    mkdir -p "$ETC/apt-cacher-ng" "$H/apt-cacher-ng" "$LOG/apt-cacher-ng"
    echo "http://deb.debian.org/debian/" >"$ETC/apt-cacher-ng/backends_debian"   # where it fetches from
    cat >"$ETC/apt-cacher-ng/acng.conf" <<EOT
CacheDir: $H/apt-cacher-ng
LogDir: $LOG/apt-cacher-ng
SupportDir: /usr/lib/apt-cacher-ng
SocketPath: $RUN/apt-proxy.socket
BindAddress: $VM_GATEWAY
Port: $APT_PROXY_PORT
ForeGround: 1
ForceManaged: 1
Remap-debrep: file:deb_mirror*.gz /debian ; file:backends_debian
Remap-secdeb: security.debian.org security.debian.org/debian-security deb.debian.org/debian-security /debian-security ; deb.debian.org/debian-security
ExThreshold: 4
EOT

    cat >"$ETC/nova/api-paste.ini" <<'EOT'
[composite:osapi_compute]
use = call:nova.api.openstack.urlmap:urlmap_factory
/: oscomputeversions
/v2.1: openstack_compute_api_v21

[composite:openstack_compute_api_v21]
use = call:nova.api.auth:pipeline_factory_v21
keystone = http_proxy_to_wsgi compute_req_id faultwrap request_log sizelimit authtoken keystonecontext osapi_compute_app_v21

[filter:request_log]
paste.filter_factory = nova.api.openstack.requestlog:RequestLog.factory

[filter:compute_req_id]
paste.filter_factory = nova.api.compute_req_id:ComputeReqIdMiddleware.factory

[filter:faultwrap]
paste.filter_factory = nova.api.openstack:FaultWrapper.factory

[filter:sizelimit]
paste.filter_factory = oslo_middleware:RequestBodySizeLimiter.factory

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware.http_proxy_to_wsgi:HTTPProxyToWSGI.factory

[filter:keystonecontext]
paste.filter_factory = nova.api.auth:NovaKeystoneContext.factory

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory

[app:osapi_compute_app_v21]
paste.app_factory = nova.api.openstack.compute:APIRouterV21.factory

[pipeline:oscomputeversions]
pipeline = faultwrap request_log http_proxy_to_wsgi oscomputeversionapp

[app:oscomputeversionapp]
paste.app_factory = nova.api.openstack.compute.versions:Versions.factory
EOT

    cat >"$ETC/neutron/neutron.conf" <<EOT
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $NEUTRON_PORT
core_plugin = ml2
service_plugins =
auth_strategy = keystone
transport_url = $transport
api_workers = 0
rpc_workers = 1
rpc_state_report_workers = 0
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
dhcp_agent_notification = false
state_path = $H/neutron
api_paste_config = $ETC/neutron/api-paste.ini
log_file = $LOG/neutron.log
[database]
connection = $(db_url neutron)
[quotas]
quota_network = -1
quota_subnet = -1
quota_port = -1
quota_security_group = -1
quota_security_group_rule = -1
[oslo_concurrency]
lock_path = $H/lock
[oslo_messaging_notifications]
driver = noop
$(authtoken_section neutron)
[ml2]
type_drivers = flat
tenant_network_types =
mechanism_drivers = heps_bind_any
extension_drivers = port_security
[ml2_type_flat]
flat_networks = heps
EOT
    cp /usr/lib/python3/dist-packages/neutron/tests/etc/api-paste.ini "$ETC/neutron/api-paste.ini"

    # The mechanism driver is found through its entry point, like any ML2 driver.
    cp "$LIB/wsgi_serve.py" "$LIB/heps_ml2_bind.py" "$LIB/heps_compute.py" "$LIB/heps_desktops.py" \
        "$LIB/heps_desktop_painter.py" "$LIB/heps_windows_guest.py" "$H/lib/"
    cp -r "$LIB/guest-bin" "$H/lib/"
    mkdir -p "$H/lib/heps_ml2_bind-1.0.dist-info"
    printf 'Metadata-Version: 2.1\nName: heps-ml2-bind\nVersion: 1.0\n' >"$H/lib/heps_ml2_bind-1.0.dist-info/METADATA"
    printf '[neutron.ml2.mechanism_drivers]\nheps_bind_any = heps_ml2_bind:BindAnyPortDriver\n' \
        >"$H/lib/heps_ml2_bind-1.0.dist-info/entry_points.txt"
    chmod -R go-rwx "$ETC"
}
