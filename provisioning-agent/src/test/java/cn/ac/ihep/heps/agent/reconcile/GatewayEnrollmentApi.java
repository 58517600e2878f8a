package cn.ac.ihep.heps.agent.reconcile;

import static org.junit.jupiter.api.Assertions.fail;

import cn.ac.ihep.heps.agent.api.ApiServer;
import cn.ac.ihep.heps.agent.api.BearerTokens;
import cn.ac.ihep.heps.agent.desktop.EnrollmentService;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.common.desktop.VncPasswordDerivation;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;

/**
 * The agent's API with its enrollment service, on the test bed's VM network gateway, as the demo's
 * agent listens: guests reach it, and it sees each guest's own address (the address check is on).
 */
final class GatewayEnrollmentApi {

    private GatewayEnrollmentApi() {
    }

    /** Fails the test, with how to start it, when the bed's VM network is down. */
    static ApiServer start(TestDatabase db, String siteSecret) throws IOException {
        DesktopRepository desktops = new DesktopRepository();
        EnrollmentService enrollment = new EnrollmentService(db.database(), desktops, new AuditLog(),
                new VncPasswordDerivation(siteSecret), Clock.systemUTC());
        try {
            return ApiServer.start(new InetSocketAddress(OpenStackTestBed.VM_GATEWAY, 0), new ApiServer.Services(null,
                    db.database(), desktops, enrollment, null, null, new AgentMetrics(),
                    new BearerTokens(List.of("unused-token")), true), null, false);
        } catch (BindException e) {
            return fail("The test bed's VM network is down (no " + OpenStackTestBed.VM_GATEWAY + " on heps-br0): "
                    + "run `sudo dev/openstack/up`", e);
        }
    }
}
