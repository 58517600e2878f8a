package cn.ac.ihep.heps.testsupport.openstack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keystone and Nova played over real HTTP on loopback, for tests whose world is too large or too
 * random for the OpenStack test bed: password tokens with a catalog naming this server as
 * {@code compute}; servers listed ({@code GET /servers/detail}, honouring {@code tags} and
 * {@code tags-any}) and read ({@code GET /servers/{id}}) in Nova's JSON; power actions
 * ({@code POST /servers/{id}/action}) recorded and answered 202, the state left as it was. The
 * test changes the world between calls ({@link #put}, {@link #remove}).
 */
public final class NovaStandIn implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One server as the stand-in answers for it. */
    public record Server(String id, String name, String status, Set<String> tags, Map<String, String> metadata,
            String address) {
        public Server {
            tags = Set.copyOf(tags);
            metadata = Map.copyOf(metadata);
        }
    }

    private final HttpServer http;
    private final String base;
    private final Map<String, Server> servers = new ConcurrentHashMap<>();
    private final List<String> actions = new CopyOnWriteArrayList<>();
    private final AtomicInteger listings = new AtomicInteger();

    private NovaStandIn(HttpServer http) {
        this.http = http;
        this.base = "http://127.0.0.1:" + http.getAddress().getPort();
    }

    public static NovaStandIn start() throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        NovaStandIn standIn = new NovaStandIn(http);
        http.createContext("/v3/auth/tokens", standIn::issueToken);
        http.createContext("/compute", standIn::compute);
        http.setExecutor(Executors.newFixedThreadPool(8, runnable -> {
            Thread thread = new Thread(runnable, "nova-stand-in");
            thread.setDaemon(true);
            return thread;
        }));
        http.start();
        return standIn;
    }

    /** Keystone's v3 URL, for {@code auth_url}. */
    public String identityUrl() {
        return base + "/v3";
    }

    public void put(Server server) {
        servers.put(server.id(), server);
    }

    public void remove(String id) {
        servers.remove(id);
    }

    /** No server at all. */
    public void clear() {
        servers.clear();
    }

    public Server get(String id) {
        return servers.get(id);
    }

    /** Actions asked so far, as {@code <action>:<server id>} (e.g. {@code os-start:vm-1}). */
    public List<String> actions() {
        return List.copyOf(actions);
    }

    /** Server listings served so far. */
    public int listings() {
        return listings.get();
    }

    private void issueToken(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        Instant issued = Instant.now();
        String body = """
                {"token": {"methods": ["password"], "expires_at": "%s", "issued_at": "%s",
                  "user": {"id": "u1", "name": "heps-resolver", "domain": {"id": "default", "name": "Default"}},
                  "project": {"id": "p1", "name": "heps", "domain": {"id": "default", "name": "Default"}},
                  "roles": [{"id": "r1", "name": "reader"}],
                  "catalog": [{"id": "s1", "type": "compute", "name": "nova", "endpoints": [
                    {"id": "e1", "interface": "public", "region": "RegionOne", "region_id": "RegionOne",
                     "url": "%s/compute"}]}]}}
                """.formatted(issued.plusSeconds(3600), issued, base);
        exchange.getResponseHeaders().add("X-Subject-Token", "stand-in-token");
        respond(exchange, 201, body);
    }

    private void compute(HttpExchange exchange) throws IOException {
        byte[] request = exchange.getRequestBody().readAllBytes();
        String path = exchange.getRequestURI().getPath().substring("/compute".length());
        String method = exchange.getRequestMethod();
        if (method.equals("GET") && path.equals("/servers/detail")) {
            listings.incrementAndGet();
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            Set<String> all = tags(query.get("tags"));
            Set<String> any = tags(query.get("tags-any"));
            ArrayNode listed = JSON.createArrayNode();
            for (Server server : new TreeMap<>(servers).values()) {
                if (server.tags().containsAll(all) && (any.isEmpty() || any.stream().anyMatch(server.tags()::contains))) {
                    listed.add(json(server));
                }
            }
            ObjectNode body = JSON.createObjectNode();
            body.set("servers", listed);
            respond(exchange, 200, body.toString());
            return;
        }
        String[] parts = path.split("/");
        if (parts.length >= 3 && parts[1].equals("servers")) {
            Server server = servers.get(parts[2]);
            if (server == null) {
                respond(exchange, 404, "{\"itemNotFound\": {\"code\": 404, \"message\": \"Instance could not be found\"}}");
                return;
            }
            if (method.equals("GET") && parts.length == 3) {
                ObjectNode body = JSON.createObjectNode();
                body.set("server", json(server));
                respond(exchange, 200, body.toString());
                return;
            }
            if (method.equals("POST") && parts.length == 4 && parts[3].equals("action")) {
                String action = JSON.readTree(request).fieldNames().next();
                actions.add(action + ":" + server.id());
                exchange.sendResponseHeaders(202, -1);
                exchange.close();
                return;
            }
        }
        respond(exchange, 404, "{\"itemNotFound\": {\"code\": 404, \"message\": \"not served by the stand-in\"}}");
    }

    private static ObjectNode json(Server server) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", server.id());
        node.put("name", server.name());
        node.put("status", server.status());
        ArrayNode tags = node.putArray("tags");
        server.tags().stream().sorted().forEach(tags::add);
        ObjectNode metadata = node.putObject("metadata");
        server.metadata().forEach(metadata::put);
        ObjectNode addresses = node.putObject("addresses");
        if (server.address() != null) {
            ObjectNode fixed = addresses.putArray("heps-vm-network").addObject();
            fixed.put("addr", server.address());
            fixed.put("version", 4);
            fixed.put("OS-EXT-IPS:type", "fixed");
        }
        node.putObject("flavor").put("id", "stand-in-flavor");
        node.putObject("image").put("id", "stand-in-image");
        node.put("created", "2026-01-01T00:00:00Z");
        return node;
    }

    private static Set<String> tags(String value) {
        return value == null || value.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(value.split(",")));
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> values = new TreeMap<>();
        if (raw == null) {
            return values;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                values.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return values;
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        http.stop(0);
        ((java.util.concurrent.ExecutorService) http.getExecutor()).shutdownNow();
    }
}
