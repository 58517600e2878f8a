package cn.ac.ihep.heps.common.cloud.openstack;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** What the loopback Keystone and service stand-ins of these tests answer. */
final class StandInResponses {

    private StandInResponses() {
    }

    /** A Keystone v3 token body whose catalog has one service with one public endpoint. */
    static String token(Instant issued, Instant expires, String user, String role, String serviceType,
            String serviceName, String endpointUrl) {
        return """
                {"token": {"methods": ["password"], "expires_at": "%s", "issued_at": "%s",
                  "user": {"id": "u1", "name": "%s", "domain": {"id": "default", "name": "Default"}},
                  "project": {"id": "p1", "name": "heps", "domain": {"id": "default", "name": "Default"}},
                  "roles": [{"id": "r1", "name": "%s"}],
                  "catalog": [{"id": "s1", "type": "%s", "name": "%s", "endpoints": [
                    {"id": "e1", "interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": "%s"}]}]}}
                """.formatted(expires, issued, user, role, serviceType, serviceName, endpointUrl);
    }

    static void respond(HttpExchange exchange, int status, String header, String value, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (value != null) {
            exchange.getResponseHeaders().add(header, value);
        }
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
