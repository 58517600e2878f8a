package cn.ac.ihep.heps.testsupport.openstack;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudUnavailableException;
import cn.ac.ihep.heps.common.cloud.ServerQuery;
import cn.ac.ihep.heps.common.cloud.openstack.OpenStackCloudProvider;
import cn.ac.ihep.heps.common.cloud.openstack.OpenStackCredentials;
import cn.ac.ihep.heps.common.cloud.openstack.OpenStackSettings;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Keystone or Nova down or silent: every call ends in CloudUnavailableException within the
 * configured timeouts. Loopback sockets stand in for the dead services; Keystone's stand-in for
 * the Nova case answers with a real token document whose catalog points at a silent Nova.
 */
class OpenStackUnavailableIT {

    private static final Duration CONNECT = Duration.ofSeconds(2);
    private static final Duration READ = Duration.ofSeconds(2);
    private static final Duration LIMIT = Duration.ofSeconds(10);

    private ServerSocket silent;
    private HttpServer keystone;

    @AfterEach
    void close() throws IOException {
        if (silent != null) {
            silent.close();
        }
        if (keystone != null) {
            keystone.stop(0);
        }
    }

    @Test
    void keystoneRefusingConnections() throws IOException {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        assertUnavailableInTime(provider("http://127.0.0.1:" + closedPort + "/v3"), "Keystone");
    }

    @Test
    void keystoneAcceptingButNeverAnswering() throws IOException {
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        assertUnavailableInTime(provider("http://127.0.0.1:" + silent.getLocalPort() + "/v3"), "Keystone");
    }

    @Test
    void novaNeverAnswering() throws IOException {
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        keystone = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        keystone.createContext("/v3/auth/tokens", exchange -> {
            byte[] body = tokenDocument("http://127.0.0.1:" + silent.getLocalPort() + "/v2.1").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("X-Subject-Token", "token-of-the-stand-in");
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(201, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        keystone.start();
        assertUnavailableInTime(provider("http://127.0.0.1:" + keystone.getAddress().getPort() + "/v3"), "OpenStack");
    }

    private static void assertUnavailableInTime(CloudProvider provider, String who) {
        Instant start = Instant.now();
        CloudUnavailableException e = assertThrows(CloudUnavailableException.class,
                () -> provider.listServers(ServerQuery.withTag("heps-desktop")));
        Duration took = Duration.between(start, Instant.now());
        assertTrue(took.compareTo(LIMIT) < 0, "gave up after " + took + ", more than " + LIMIT);
        assertTrue(e.getMessage().startsWith("Cannot "), e.getMessage());
        assertTrue(e.getMessage().contains(who) || e.getMessage().contains("did not answer"), e.getMessage());
    }

    private static CloudProvider provider(String authUrl) {
        OpenStackCredentials credentials = new OpenStackCredentials(authUrl, "heps-agent", "secret", "heps", null, null, null);
        return new OpenStackCloudProvider(OpenStackSettings.defaults(credentials).withTimeouts(CONNECT, READ));
    }

    private static String tokenDocument(String novaUrl) {
        String expires = Instant.now().plus(Duration.ofHours(1)).toString();
        return """
                {"token": {"methods": ["password"], "expires_at": "%s", "issued_at": "%s",
                  "user": {"id": "u1", "name": "heps-agent", "domain": {"id": "default", "name": "Default"}},
                  "project": {"id": "p1", "name": "heps", "domain": {"id": "default", "name": "Default"}},
                  "roles": [{"id": "r1", "name": "member"}],
                  "catalog": [{"id": "s1", "type": "compute", "name": "nova", "endpoints": [
                    {"id": "e1", "interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": "%s"}]}]}}
                """.formatted(expires, Instant.now().toString(), novaUrl);
    }
}
