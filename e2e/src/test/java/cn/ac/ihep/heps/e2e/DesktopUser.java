package cn.ac.ihep.heps.e2e;

import cn.ac.ihep.heps.testsupport.openstack.DesktopIdentity;
import java.awt.Color;

/** A member the tests created, with the desktop the agent made for them. */
record DesktopUser(String username, String proposalId, String serverId, String address, String protocol) {

    int port() {
        return "rdp".equals(protocol) ? 3389 : 5900;
    }

    Color identityColour() {
        return DesktopIdentity.colourOf(serverId);
    }
}
