"""An ML2 mechanism driver that binds every port on a flat segment without an L2 agent.

The test bed runs the real neutron-server (ML2, IPAM, security groups, quotas) but no
Open vSwitch or Linux bridge agent: there is nothing to plug, because Nova's fake virt driver
starts no real guest. Without a driver that binds, every port would end up
``binding_failed`` and Nova would refuse to boot.
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


class BindAnyPortDriver(api.MechanismDriver):

    def initialize(self):
        orm.configure_mappers()

    @property
    def connectivity(self):
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            if segment[api.NETWORK_TYPE] == constants.TYPE_FLAT:
                context.set_binding(segment[api.ID], portbindings.VIF_TYPE_OTHER, {},
                                    status=constants.PORT_STATUS_ACTIVE)
                return
