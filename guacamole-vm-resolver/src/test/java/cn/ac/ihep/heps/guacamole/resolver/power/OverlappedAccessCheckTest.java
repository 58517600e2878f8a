package cn.ac.ihep.heps.guacamole.resolver.power;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import cn.ac.ihep.heps.guacamole.resolver.InMemoryCloud;
import cn.ac.ihep.heps.guacamole.resolver.PropertiesEnvironment;
import cn.ac.ihep.heps.guacamole.resolver.connection.ConnectionProfileFactory;
import cn.ac.ihep.heps.guacamole.resolver.index.Desktop;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopFactory;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopPrincipal;
import cn.ac.ihep.heps.testsupport.time.MutableClock;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.InetAddress;
import java.lang.reflect.Proxy;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.guacamole.GuacamoleSecurityException;
import org.apache.guacamole.io.GuacamoleReader;
import org.apache.guacamole.io.GuacamoleWriter;
import org.apache.guacamole.io.ReaderGuacamoleReader;
import org.apache.guacamole.io.WriterGuacamoleWriter;
import org.apache.guacamole.net.GuacamoleSocket;
import org.apache.guacamole.net.GuacamoleTunnel;
import org.apache.guacamole.net.SimpleGuacamoleTunnel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A running desktop is opened without waiting for Nova: guacd's connect and the access check
 * against the live server overlap, and nothing guacd sends passes before the check has.
 * Nova is the in-memory cloud held back by a latch, so the order is certain.
 */
class OverlappedAccessCheckTest {

    private static final DesktopPrincipal ALICE = new DesktopPrincipal("alice", Set.of());

    private final CountDownLatch novaAnswers = new CountDownLatch(1);
    private final InMemoryCloud cloud = new InMemoryCloud();
    /** The cloud as the resolver sees it: reading one server waits for the latch. */
    private final CloudProvider heldBack = (CloudProvider) Proxy.newProxyInstance(CloudProvider.class.getClassLoader(),
            new Class<?>[] {CloudProvider.class}, (proxy, method, args) -> {
                if (method.getName().equals("findServer")) {
                    novaAnswers.await(10, TimeUnit.SECONDS);
                }
                try {
                    return method.invoke(cloud, args);
                } catch (java.lang.reflect.InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    private ServerSocket desktopPort;
    private DesktopFactory desktops;
    private DesktopWakeService wake;

    @BeforeEach
    void setUp() throws Exception {
        desktopPort = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ConfigurationService configuration = new ConfigurationService(new PropertiesEnvironment()
                .set("heps-vnc-port", Integer.toString(desktopPort.getLocalPort())));
        desktops = new DesktopFactory(heldBack, configuration);
        wake = new DesktopWakeService(heldBack, desktops, new ConnectionProfileFactory(configuration), new PortProbe(),
                new MutableClock(Instant.parse("2026-01-01T00:00:00Z")), configuration);
    }

    @AfterEach
    void tearDown() throws Exception {
        novaAnswers.countDown();
        desktopPort.close();
    }

    private Desktop put(String... tags) {
        cloud.put(InMemoryCloud.server("vm-1", "alice-desktop", ServerState.ACTIVE, "127.0.0.1", Set.of(tags),
                Map.of("heps.protocol", "vnc")));
        return desktops.desktopFor(cloud.get("vm-1"));
    }

    /** guacd's side of a tunnel: one instruction to read. */
    private static GuacamoleTunnel guacdSaying(String instructions) {
        GuacamoleReader reader = new ReaderGuacamoleReader(new StringReader(instructions));
        GuacamoleWriter writer = new WriterGuacamoleWriter(new StringWriter());
        return new SimpleGuacamoleTunnel(new GuacamoleSocket() {
            private boolean open = true;

            @Override
            public GuacamoleReader getReader() {
                return reader;
            }

            @Override
            public GuacamoleWriter getWriter() {
                return writer;
            }

            @Override
            public void close() {
                open = false;
            }

            @Override
            public boolean isOpen() {
                return open;
            }
        });
    }

    @Test
    void guacdIsConnectedBeforeNovaAnswersAndItsFirstInstructionPassesOnceAccessIsConfirmed() throws Exception {
        Desktop known = put("heps-desktop", "heps-owner:alice");
        List<Desktop> opened = new java.util.ArrayList<>();
        GuacamoleTunnel tunnel = wake.connect(known, ALICE, ready -> {
            opened.add(ready);
            return guacdSaying("4.sync,1.0;");
        });
        assertEquals(1, opened.size(), "guacd was asked to connect while Nova had not answered");
        assertFalse(tunnel.acquireReader().available(), "nothing passes before the check");
        tunnel.releaseReader();
        novaAnswers.countDown();
        assertEquals("sync", tunnel.acquireReader().readInstruction().getOpcode());
    }

    @Test
    void accessRevokedSinceLoginClosesTheTunnelBeforeAnythingPasses() throws Exception {
        Desktop known = put("heps-desktop", "heps-owner:alice");
        GuacamoleTunnel tunnel = wake.connect(known, ALICE, ready -> guacdSaying("4.sync,1.0;"));
        // The owner changed in Nova after alice's login.
        put("heps-desktop", "heps-owner:bob");
        novaAnswers.countDown();
        GuacamoleReader reader = tunnel.acquireReader();
        assertThrows(GuacamoleSecurityException.class, reader::readInstruction);
        assertFalse(tunnel.isOpen());
    }

    @Test
    void aDesktopWhosePortIsClosedIsCheckedWithNovaFirst() throws Exception {
        Desktop known = put("heps-desktop", "heps-owner:alice");
        desktopPort.close();
        novaAnswers.countDown();
        List<Desktop> opened = new java.util.ArrayList<>();
        assertThrows(org.apache.guacamole.GuacamoleUpstreamUnavailableException.class,
                () -> wake.connect(known, ALICE, ready -> {
                    opened.add(ready);
                    return guacdSaying("");
                }));
        assertTrue(opened.isEmpty(), "guacd is not asked while the desktop is not up");
    }
}
