package cn.ac.ihep.heps.testsupport.openstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A test bed that is not there fails the test with how to start it; it never skips. */
class OpenStackTestBedTest {

    @TempDir
    Path dir;

    @Test
    void whereCloudsYamlIsLookedFor() {
        assertEquals(Path.of("/x/c.yaml"), OpenStackTestBed.cloudsYamlPath(Map.of("OS_CLIENT_CONFIG_FILE", "/x/c.yaml")));
        assertEquals(Path.of("/h/clouds.yaml"), OpenStackTestBed.cloudsYamlPath(Map.of("HEPS_OPENSTACK_HOME", "/h")));
        assertEquals(Path.of("/var/lib/heps-openstack/clouds.yaml"), OpenStackTestBed.cloudsYamlPath(Map.of()));
    }

    @Test
    void noCloudsYamlFailsWithHowToStartIt() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> OpenStackTestBed.find(Map.of("HEPS_OPENSTACK_HOME", dir.toString())));
        assertTrue(e.getMessage().contains("dev/openstack/up"), e.getMessage());
    }

    @Test
    void keystoneNotAnsweringFailsWithHowToStartIt() throws IOException {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        Files.writeString(dir.resolve("clouds.yaml"), """
                clouds:
                  heps-dev:
                    auth: {auth_url: "http://127.0.0.1:%d/v3", username: u, password: p, project_name: heps}
                """.formatted(closedPort));
        AssertionError e = assertThrows(AssertionError.class,
                () -> OpenStackTestBed.find(Map.of("HEPS_OPENSTACK_HOME", dir.toString())));
        assertTrue(e.getMessage().contains("not running") && e.getMessage().contains("dev/openstack/up"), e.getMessage());
    }
}
