package cn.ac.ihep.heps.testsupport.guacamole.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The REST calls as they reach a server: method, path, form body, headers; Guacamole's JSON back. */
class GuacamoleWebClientTest {

    private HttpServer server;
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    private GuacamoleWebClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/guacamole/api/tokens", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            seen.put("method", exchange.getRequestMethod());
            seen.put("contentType", String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type")));
            seen.put("body", body);
            if (body.contains("heps_token=good")) {
                reply(exchange, 200, "{\"authToken\":\"A1B2\",\"username\":\"alice\",\"dataSource\":\"heps-vm-resolver\","
                        + "\"availableDataSources\":[\"heps-vm-resolver\",\"heps\"]}");
            } else {
                reply(exchange, 403, "{\"message\":\"Invalid login.\",\"translatableMessage\":{\"key\":\"APP.TEXT_UNTRANSLATED\"},"
                        + "\"statusCode\":null,\"expected\":null,\"patches\":null,\"type\":\"INVALID_CREDENTIALS\"}");
            }
        });
        server.createContext("/guacamole/api/session/data/heps-vm-resolver/connections", exchange -> {
            seen.put("token", String.valueOf(exchange.getRequestHeaders().getFirst("Guacamole-Token")));
            reply(exchange, 200, "{\"9d1c\":{\"name\":\"alice @ nanoprobe\",\"identifier\":\"9d1c\",\"parentIdentifier\":\"ROOT\","
                    + "\"protocol\":\"vnc\",\"attributes\":{\"max-connections\":null,\"guacd-hostname\":null},"
                    + "\"activeConnections\":0,\"lastActive\":null}}");
        });
        server.createContext("/guacamole/api/session/data/heps-vm-resolver/connectionGroups/ROOT/tree", exchange ->
                reply(exchange, 200, "{\"name\":\"ROOT\",\"identifier\":\"ROOT\",\"type\":\"ORGANIZATIONAL\",\"activeConnections\":0,"
                        + "\"childConnections\":[{\"name\":\"a\",\"identifier\":\"1\",\"parentIdentifier\":\"ROOT\",\"protocol\":\"rdp\"}],"
                        + "\"childConnectionGroups\":[{\"name\":\"g\",\"identifier\":\"g\",\"type\":\"ORGANIZATIONAL\","
                        + "\"childConnections\":[{\"name\":\"b\",\"identifier\":\"2\",\"parentIdentifier\":\"g\",\"protocol\":\"vnc\"}]}]}"));
        server.createContext("/guacamole/api/languages", exchange -> reply(exchange, 200, "{\"en\":\"English\"}"));
        server.createContext("/guacamole/broken", exchange -> reply(exchange, 500, "<html><body>Tomcat error</body></html>"));
        server.start();
        client = new GuacamoleWebClient(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/guacamole"),
                Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void thePortalTokenIsPostedAsTheFormFieldTheFrontEndSends() {
        AuthenticatedSession session = client.loginWithPortalToken("good+/=").orThrow();
        assertEquals("POST", seen.get("method"));
        assertEquals("application/x-www-form-urlencoded", seen.get("contentType"));
        assertEquals("heps_token=good%2B%2F%3D", seen.get("body"));
        assertEquals(new AuthenticatedSession("A1B2", "alice", "heps-vm-resolver", List.of("heps-vm-resolver", "heps")),
                session);
    }

    @Test
    void aRefusedLoginIsTheStatusWithGuacamolesErrorType() {
        ApiResult<AuthenticatedSession> result = client.loginWithPortalToken("forged");
        assertFalse(result.isOk());
        assertEquals(403, result.httpStatus());
        assertEquals(new ApiError("INVALID_CREDENTIALS", "Invalid login."), result.error());
        AssertionError thrown = assertThrows(AssertionError.class, result::orThrow);
        assertTrue(thrown.getMessage().contains("HTTP 403: INVALID_CREDENTIALS"), thrown.getMessage());
    }

    @Test
    void connectionsAreListedWithTheSessionTokenHeader() {
        Map<String, Connection> connections = client.connections("A1B2", "heps-vm-resolver").orThrow();
        assertEquals("A1B2", seen.get("token"));
        Connection desktop = connections.get("9d1c");
        assertEquals("vnc", desktop.protocol());
        assertEquals("alice @ nanoprobe", desktop.name());
        assertTrue(desktop.attributes().isEmpty(), "null attributes are left out");
    }

    @Test
    void theConnectionTreeIsFlattened() {
        ConnectionGroup root = client.connectionTree("A1B2", "heps-vm-resolver").orThrow();
        assertEquals(List.of("1", "2"), root.allConnections().stream().map(Connection::identifier).toList());
    }

    @Test
    void aBodyThatIsNotGuacamolesJsonIsReportedAsSuch() {
        ApiError error = GuacamoleWebClient.error("<html><body>Tomcat error</body></html>");
        assertEquals(ApiError.NOT_GUACAMOLE, error.type());
        assertTrue(error.message().contains("Tomcat error"));
    }

    @Test
    void theStackIsFoundWhenItAnswersAndNamedWhenItDoesNot() throws IOException {
        assertTrue(GuacamoleStack.probe(client.base()).isPresent());
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        URI dead = URI.create("http://127.0.0.1:" + port + "/guacamole/");
        assertTrue(GuacamoleStack.probe(dead).isEmpty());
        assertEquals("the real Guacamole 1.6.0 stack is not running at " + dead
                        + " (dev/guacamole/up; needs GUACD_HOME and GUACAMOLE_WAR, see README 'Guacamole and guacd')",
                GuacamoleStack.missing(dead));
        assertEquals(URI.create("http://127.0.0.1:8080/guacamole/"), GuacamoleStack.baseUri(Map.of()));
        assertEquals(URI.create("http://h:1/g/"), GuacamoleStack.baseUri(Map.of("HEPS_GUACAMOLE_URL", "http://h:1/g")));
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }
}
