package cn.ac.ihep.heps.common.cloud.openstack;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * A loopback Keystone whose tokens list one service, served by the test's stand-in at
 * {@code /<service type>}, and a provider signed in to it: one per test.
 */
final class LoopbackOpenStack implements AutoCloseable {
    private final HttpServer server;
    private final String base;
    private final String user;

    private LoopbackOpenStack(HttpServer server, String user) {
        this.server = server;
        this.base = "http://127.0.0.1:" + server.getAddress().getPort();
        this.user = user;
    }

    /**
     * @param contextPath where the stand-in answers, under {@code /<serviceType>}
     */
    static LoopbackOpenStack start(String user, String role, String serviceType, String serviceName,
            String contextPath, HttpHandler service) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        LoopbackOpenStack openstack = new LoopbackOpenStack(server, user);
        server.createContext("/v3/auth/tokens", exchange -> {
            exchange.getRequestBody().readAllBytes();
            Instant issued = Instant.now();
            String body = StandInResponses.token(issued, issued.plusSeconds(3600), user, role, serviceType, serviceName,
                    openstack.base + "/" + serviceType);
            StandInResponses.respond(exchange, 201, "X-Subject-Token", "token-1", body);
        });
        server.createContext(contextPath, service);
        server.start();
        return openstack;
    }

    OpenStackCloudProvider provider() {
        OpenStackCredentials credentials = new OpenStackCredentials(base + "/v3", user, "secret", "heps",
                null, null, null);
        return new OpenStackCloudProvider(OpenStackSettings.defaults(credentials));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
