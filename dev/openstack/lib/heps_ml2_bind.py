"""An ML2 mechanism driver that binds every port on a flat segment without an L2 agent.

The test bed runs the real neutron-server (ML2, IPAM, security groups, quotas) but no
Open vSwitch or Linux bridge agent. On the fake-driver hosts there is nothing to plug: Nova's
fake virt driver starts no real guest. On the QEMU host (heps-compute-qemu) the libvirt driver
plugs the guest's tap into heps-br0, the bridge the bed owns, so that port is bound as a Linux
bridge port naming it. Without a driver that binds, every port would end up ``binding_failed``
and Nova would refuse to boot.
"""
from neutron_lib.api.definitions import portbindings
from neutron_lib import constants
from neutron_lib.plugins.ml2 import api
from sqlalchemy import orm

# Zed's get_ports names Port.port_forwardings, a backref that exists only once the
# port-forwarding model is imported and SQLAlchemy has configured its mappers. With no L3
# service plugin, a GET /ports that arrives before any other query fails with AttributeError
# (a 500 to Nova's server list). Importing the model and configuring the mappers when the
# driver starts makes the API answer the same whatever comes first.
from neutron.db.models import port_forwarding  # noqa: F401


QEMU_HOST = "heps-compute-qemu"
BRIDGE = "heps-br0"


class BindAnyPortDriver(api.MechanismDriver):

    def initialize(self):
        orm.configure_mappers()

    @property
    def connectivity(self):
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            if segment[api.NETWORK_TYPE] != constants.TYPE_FLAT:
                continue
            if context.host == QEMU_HOST:
                # port_filter False: no agent enforces the port's security groups on a real guest.
                context.set_binding(segment[api.ID], portbindings.VIF_TYPE_BRIDGE,
                                    {portbindings.VIF_DETAILS_BRIDGE_NAME: BRIDGE,
                                     portbindings.CAP_PORT_FILTER: False},
                                    status=constants.PORT_STATUS_ACTIVE)
            else:
                context.set_binding(segment[api.ID], portbindings.VIF_TYPE_OTHER, {},
                                    status=constants.PORT_STATUS_ACTIVE)
            return
