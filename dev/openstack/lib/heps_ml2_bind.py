"""An ML2 mechanism driver that binds every port on a flat segment without an L2 agent.

The test bed runs the real neutron-server (ML2, IPAM, security groups, quotas) but no
Open vSwitch or Linux bridge agent: there is nothing to plug, because Nova's fake virt driver
starts no real guest. Without a driver that binds, every port would end up
``binding_failed`` and Nova would refuse to boot.
"""
from neutron_lib.api.definitions import portbindings
from neutron_lib import constants
from neutron_lib.plugins.ml2 import api


class BindAnyPortDriver(api.MechanismDriver):

    def initialize(self):
        pass

    @property
    def connectivity(self):
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            if segment[api.NETWORK_TYPE] == constants.TYPE_FLAT:
                context.set_binding(segment[api.ID], portbindings.VIF_TYPE_OTHER, {},
                                    status=constants.PORT_STATUS_ACTIVE)
                return
