package cn.ac.ihep.heps.testsupport.guacamole.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Guacamole 1.6.0's REST API as its front end calls it: {@code POST /api/tokens} with the
 * login's parameters form-encoded (the front end sends the page's URL parameters, so a portal's
 * {@code ?heps_token=…} arrives as the form field {@code heps_token}), then the session's data
 * with the {@code Guacamole-Token} header. Every call is bounded by the request timeout.
 */
public final class GuacamoleWebClient {

    /** The URL parameter the portal hand-off uses (CONTRACTS §1). */
    public static final String PORTAL_TOKEN_PARAMETER = "heps_token";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final Duration requestTimeout;
    private final HttpClient http;

    public GuacamoleWebClient(URI base) {
        this(base, Duration.ofSeconds(30));
    }

    /** @param base the web application, e.g. {@code http://127.0.0.1:8080/guacamole/} */
    public GuacamoleWebClient(URI base, Duration requestTimeout) {
        this.base = base.toString().endsWith("/") ? base : URI.create(base + "/");
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    public URI base() {
        return base;
    }

    /** {@code POST /api/tokens} with these form parameters. */
    public ApiResult<AuthenticatedSession> createToken(Map<String, String> parameters) {
        String form = parameters.entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        HttpRequest request = request("api/tokens")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        return call(request, GuacamoleWebClient::session);
    }

    /** The portal hand-off: {@code POST /api/tokens} with {@code heps_token=<token>}. */
    public ApiResult<AuthenticatedSession> loginWithPortalToken(String portalToken) {
        return createToken(Map.of(PORTAL_TOKEN_PARAMETER, portalToken));
    }

    /** {@code GET /api/session/data/{dataSource}/connections}: the user's connections by identifier. */
    public ApiResult<Map<String, Connection>> connections(String authToken, String dataSource) {
        return call(authorized(authToken, "api/session/data/" + encode(dataSource) + "/connections"), json -> {
            Map<String, Connection> connections = new LinkedHashMap<>();
            json.fields().forEachRemaining(e -> connections.put(e.getKey(), connection(e.getValue())));
            return Map.copyOf(connections);
        });
    }

    public ApiResult<Map<String, Connection>> connections(AuthenticatedSession session) {
        return connections(session.authToken(), session.dataSource());
    }

    /** {@code GET /api/session/data/{dataSource}/connectionGroups/ROOT/tree}. */
    public ApiResult<ConnectionGroup> connectionTree(String authToken, String dataSource) {
        return call(authorized(authToken, "api/session/data/" + encode(dataSource) + "/connectionGroups/ROOT/tree"),
                GuacamoleWebClient::group);
    }

    /**
     * {@code GET /api/session/tunnels/{tunnel}/activeConnection/connection/sharingProfiles}: the
     * sharing profiles of the connection open in that tunnel, names by identifier, as the client's
     * menu lists them.
     */
    public ApiResult<Map<String, String>> sharingProfiles(String authToken, String tunnelUuid) {
        return call(authorized(authToken, "api/session/tunnels/" + encode(tunnelUuid)
                + "/activeConnection/connection/sharingProfiles"), json -> {
                    Map<String, String> profiles = new LinkedHashMap<>();
                    json.fields().forEachRemaining(e -> profiles.put(e.getKey(), e.getValue().path("name").asText()));
                    return Map.copyOf(profiles);
                });
    }

    /**
     * {@code GET /api/session/tunnels/{tunnel}/activeConnection/sharingCredentials/{profile}}: the
     * values a share link carries, as the client's "Share" menu asks for them.
     */
    public ApiResult<Map<String, String>> sharingCredentials(String authToken, String tunnelUuid, String profile) {
        return call(authorized(authToken, "api/session/tunnels/" + encode(tunnelUuid)
                + "/activeConnection/sharingCredentials/" + encode(profile)), json -> {
                    Map<String, String> values = new LinkedHashMap<>();
                    json.path("values").fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
                    return Map.copyOf(values);
                });
    }

    /**
     * {@code GET /api/session/data/{dataSource}/history/connections?order=-startDate}: the
     * connection history as Guacamole's history page asks for it, newest first.
     */
    public ApiResult<List<HistoryEntry>> connectionHistory(String authToken, String dataSource) {
        return call(authorized(authToken, "api/session/data/" + encode(dataSource)
                + "/history/connections?order=-startDate"), json -> {
                    List<HistoryEntry> entries = new ArrayList<>();
                    json.forEach(node -> entries.add(historyEntry(node)));
                    return List.copyOf(entries);
                });
    }

    /**
     * {@code GET /api/session/data/{dataSource}/history/connections/{entry}/logs/{log}}: the content
     * of one log of an entry (a recording, for the history page's player).
     */
    public ApiResult<byte[]> historyLog(String authToken, String dataSource, String entry, String log) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("api/session/data/" + encode(dataSource)
                + "/history/connections/" + encode(entry) + "/logs/" + encode(log)))
                .timeout(requestTimeout).header("Guacamole-Token", authToken).GET().build();
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("Guacamole at " + base + " did not answer GET " + request.uri().getPath()
                    + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (response.statusCode() == 200) {
            return new ApiResult.Ok<>(200, response.body());
        }
        return new ApiResult.Failed<>(response.statusCode(), error(new String(response.body(), StandardCharsets.UTF_8)));
    }

    /** {@code DELETE /api/tokens/{token}}: logs the session out. */
    public ApiResult<Void> logout(String authToken) {
        HttpRequest request = request("api/tokens/" + encode(authToken))
                .header("Guacamole-Token", authToken)
                .DELETE()
                .build();
        return call(request, json -> null);
    }

    /** True when {@code GET /api/languages} answers 200 within the timeout. */
    public boolean answers(Duration timeout) {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(base.resolve("api/languages"))
                    .timeout(timeout).GET().build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(requestTimeout).header("Accept", "application/json");
    }

    private HttpRequest authorized(String authToken, String path) {
        return request(path).header("Guacamole-Token", authToken).GET().build();
    }

    private <T> ApiResult<T> call(HttpRequest request, Function<JsonNode, T> onSuccess) {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("Guacamole at " + base + " did not answer " + request.method() + " "
                    + request.uri().getPath() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        int status = response.statusCode();
        String body = response.body();
        if (status >= 200 && status < 300) {
            try {
                JsonNode json = body == null || body.isBlank() ? JSON.nullNode() : JSON.readTree(body);
                return new ApiResult.Ok<>(status, onSuccess.apply(json));
            } catch (IOException e) {
                throw new UncheckedIOException("Guacamole answered HTTP " + status + " with a body that is not JSON: "
                        + abbreviate(body), e);
            }
        }
        return new ApiResult.Failed<>(status, error(body));
    }

    static ApiError error(String body) {
        try {
            JsonNode json = JSON.readTree(body == null ? "" : body);
            if (json != null && json.has("type") && json.has("message")) {
                return new ApiError(json.get("type").asText(), json.get("message").asText());
            }
        } catch (IOException e) {
            // Not JSON: a servlet container's error page.
        }
        return new ApiError(ApiError.NOT_GUACAMOLE, abbreviate(body));
    }

    private static AuthenticatedSession session(JsonNode json) {
        List<String> dataSources = new ArrayList<>();
        json.path("availableDataSources").forEach(node -> dataSources.add(node.asText()));
        return new AuthenticatedSession(json.path("authToken").asText(), json.path("username").asText(),
                json.path("dataSource").asText(), dataSources);
    }

    private static Connection connection(JsonNode json) {
        Map<String, String> attributes = new LinkedHashMap<>();
        json.path("attributes").fields().forEachRemaining(e -> {
            if (!e.getValue().isNull()) {
                attributes.put(e.getKey(), e.getValue().asText());
            }
        });
        return new Connection(text(json, "identifier"), text(json, "name"), text(json, "parentIdentifier"),
                text(json, "protocol"), attributes, json.path("activeConnections").asInt(0));
    }

    private static HistoryEntry historyEntry(JsonNode json) {
        Map<String, String> logs = new LinkedHashMap<>();
        json.path("logs").fields().forEachRemaining(e -> logs.put(e.getKey(), e.getValue().path("type").asText()));
        return new HistoryEntry(text(json, "identifier"), text(json, "uuid"), text(json, "connectionIdentifier"),
                text(json, "connectionName"), text(json, "username"), text(json, "remoteHost"), date(json, "startDate"),
                date(json, "endDate"), json.path("active").asBoolean(false), logs);
    }

    private static java.time.Instant date(JsonNode json, String field) {
        JsonNode value = json.get(field);
        return value == null || value.isNull() ? null : java.time.Instant.ofEpochMilli(value.asLong());
    }

    private static ConnectionGroup group(JsonNode json) {
        List<Connection> connections = new ArrayList<>();
        json.path("childConnections").forEach(node -> connections.add(connection(node)));
        List<ConnectionGroup> groups = new ArrayList<>();
        json.path("childConnectionGroups").forEach(node -> groups.add(group(node)));
        return new ConnectionGroup(text(json, "identifier"), text(json, "name"), text(json, "parentIdentifier"),
                text(json, "type"), connections, groups);
    }

    private static String text(JsonNode json, String field) {
        JsonNode value = json.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String abbreviate(String body) {
        if (body == null) {
            return "";
        }
        String flat = body.replaceAll("\\s+", " ").trim();
        return flat.length() <= 200 ? flat : flat.substring(0, 200) + "…";
    }
}
