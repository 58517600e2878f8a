package cn.ac.ihep.heps.agent.api;

import cn.ac.ihep.heps.agent.accounts.DirectoryAccounts;
import cn.ac.ihep.heps.agent.activity.ActivityService;
import cn.ac.ihep.heps.agent.desktop.Desktop;
import cn.ac.ihep.heps.agent.desktop.EnrollmentService;
import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.experiment.ExperimentInput;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.experiment.FieldError;
import cn.ac.ihep.heps.agent.experiment.InvalidExperimentException;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.StoreException;
import cn.ac.ihep.heps.common.activity.ActivityReport;
import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudUnavailableException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's HTTP API (JSON). Routes under {@code /v1/} need a bearer token; the guest's
 * one-time {@code /v1/enrollment} is authenticated by its enrollment token instead;
 * {@code /healthz}, {@code /metrics} and {@code /openapi.json} are open. The OpenAPI
 * document ({@code openapi.json} beside this class) is the reference for every route.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    private static final int MAX_BODY_BYTES = 256 * 1024;

    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** What the API needs from the rest of the agent; {@code activity} may be null (no activity route). */
    public record Services(ExperimentService experiments, Database database, DesktopRepository desktops,
            EnrollmentService enrollment, DirectoryAccounts accounts, CloudProvider cloud, AgentMetrics metrics, BearerTokens tokens,
            boolean enrollmentChecksAddress, ActivityService activity) {

        public Services(ExperimentService experiments, Database database, DesktopRepository desktops,
                EnrollmentService enrollment, DirectoryAccounts accounts, CloudProvider cloud, AgentMetrics metrics,
                BearerTokens tokens, boolean enrollmentChecksAddress) {
            this(experiments, database, desktops, enrollment, accounts, cloud, metrics, tokens, enrollmentChecksAddress,
                    null);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Services services;

    private ApiServer(HttpServer server, ExecutorService executor, Services services) {
        this.server = server;
        this.executor = executor;
        this.services = services;
    }

    /**
     * Starts listening. With an SSL context the server speaks HTTPS; with
     * {@code requireClientCertificate} it also demands a client certificate (mutual TLS).
     */
    public static ApiServer start(InetSocketAddress address, Services services, SSLContext tls,
            boolean requireClientCertificate) throws IOException {
        if (services.tokens().isEmpty()) {
            throw new IllegalArgumentException("No API bearer tokens are configured: set api-tokens (HEPS_API_TOKENS)");
        }
        HttpServer server;
        if (tls != null) {
            HttpsServer https = HttpsServer.create(address, 64);
            https.setHttpsConfigurator(new HttpsConfigurator(tls) {
                @Override
                public void configure(HttpsParameters parameters) {
                    SSLParameters ssl = tls.getDefaultSSLParameters();
                    ssl.setNeedClientAuth(requireClientCertificate);
                    parameters.setSSLParameters(ssl);
                }
            });
            server = https;
        } else {
            server = HttpServer.create(address, 64);
        }
        ExecutorService executor = Executors.newFixedThreadPool(8, runnable -> {
            Thread thread = new Thread(runnable, "heps-api");
            thread.setDaemon(true);
            return thread;
        });
        ApiServer api = new ApiServer(server, executor, services);
        server.createContext("/", api::handle);
        server.setExecutor(executor);
        server.start();
        LOG.info("API listening on {}://{}", tls == null ? "http" : "https", api.address());
        return api;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    public URI baseUri(boolean tls) {
        InetSocketAddress address = address();
        return URI.create((tls ? "https" : "http") + "://" + address.getHostString() + ":" + address.getPort());
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) {
        long started = System.nanoTime();
        String route = "unmatched";
        int status;
        try {
            Route matched = route(exchange);
            route = matched.name;
            status = matched.run(exchange);
        } catch (ApiException e) {
            status = e.status;
            sendError(exchange, e.status, e.getMessage(), e.fields);
        } catch (InvalidExperimentException e) {
            status = 400;
            sendError(exchange, 400, e.getMessage(), e.errors());
        } catch (CloudUnavailableException e) {
            status = 503;
            sendError(exchange, 503, "OpenStack is unavailable: " + e.getMessage() + "; retry later", List.of());
        } catch (CloudException e) {
            status = 502;
            sendError(exchange, 502, "OpenStack refused the request: " + e.getMessage(), List.of());
        } catch (StoreException e) {
            status = 503;
            LOG.warn("Database error on {} {}: {}", exchange.getRequestMethod(), route, e.getMessage());
            sendError(exchange, 503, "The agent's database is unavailable; retry later", List.of());
        } catch (RuntimeException e) {
            status = 500;
            LOG.error("Unexpected error on {} {}", exchange.getRequestMethod(), route, e);
            sendError(exchange, 500, "Internal error; see the agent's log", List.of());
        } finally {
            exchange.close();
        }
        services.metrics().apiRequest(route, status, (System.nanoTime() - started) / 1e9);
    }

    private interface Action {
        int run(HttpExchange exchange) throws IOException;
    }

    private record Route(String name, Action action) {
        int run(HttpExchange exchange) {
            try {
                return action.run(exchange);
            } catch (IOException e) {
                throw new ApiException(400, "Could not read the request: " + e.getMessage());
            }
        }
    }

    private Route route(HttpExchange exchange) {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            if (!part.isEmpty()) {
                parts.add(URLDecoder.decode(part, StandardCharsets.UTF_8));
            }
        }
        if (parts.equals(List.of("healthz"))) {
            return new Route("/healthz", x -> sendJson(x, 200, Map.of("status", "ok")));
        }
        if (parts.equals(List.of("metrics"))) {
            return new Route("/metrics", x -> send(x, 200, "text/plain; version=0.0.4; charset=utf-8",
                    services.metrics().scrape().getBytes(StandardCharsets.UTF_8)));
        }
        if (parts.equals(List.of("openapi.json"))) {
            return new Route("/openapi.json", x -> send(x, 200, "application/json", openApiDocument()));
        }
        if (parts.size() < 2 || !parts.get(0).equals("v1")) {
            throw new ApiException(404, "No such route: " + path + " (see /openapi.json)");
        }
        String noun = parts.get(1);
        if (noun.equals("enrollment") && parts.size() == 2) {
            requireMethod(method, "POST");
            return new Route("/v1/enrollment", this::enroll);
        }
        if (noun.equals("desktop-activity") && parts.size() == 2 && services.activity() != null) {
            return activityRoute(exchange, method);
        }
        if (!services.tokens().accepts(exchange.getRequestHeaders().getFirst("Authorization"))) {
            exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"heps-agent\"");
            throw new ApiException(401, "A valid bearer token is required (Authorization: Bearer <token>)");
        }
        if (noun.equals("experiments")) {
            if (parts.size() == 2) {
                if (method.equals("GET")) {
                    return new Route("/v1/experiments", x -> sendJson(x, 200, services.experiments().list()));
                }
                requireMethod(method, "POST");
                return new Route("/v1/experiments", x -> applyExperiment(x, null));
            }
            String proposal = parts.get(2);
            if (parts.size() == 3) {
                if (method.equals("GET")) {
                    return new Route("/v1/experiments/{id}", x -> sendJson(x, 200, services.experiments()
                            .find(proposal).orElseThrow(() -> noSuchExperiment(proposal))));
                }
                requireMethod(method, "PUT");
                return new Route("/v1/experiments/{id}", x -> applyExperiment(x, proposal));
            }
            if (parts.get(3).equals("members") && parts.size() == 4) {
                requireMethod(method, "POST");
                return new Route("/v1/experiments/{id}/members", x -> addMember(x, proposal));
            }
            if (parts.get(3).equals("members") && parts.size() == 5) {
                requireMethod(method, "DELETE");
                return new Route("/v1/experiments/{id}/members/{user}", x -> sendJson(x, 200,
                        services.experiments().removeMember(proposal, parts.get(4), actor(x))
                                .orElseThrow(() -> noSuchExperiment(proposal))));
            }
        }
        if (noun.equals("desktops") && parts.size() == 2) {
            requireMethod(method, "GET");
            return new Route("/v1/desktops", this::listDesktops);
        }
        if (noun.equals("accounts") && parts.size() == 2) {
            requireMethod(method, "GET");
            return new Route("/v1/accounts", x -> sendJson(x, 200, services.accounts().list()));
        }
        if (noun.equals("accounts") && parts.size() == 3) {
            requireMethod(method, "GET");
            String username = parts.get(2);
            return new Route("/v1/accounts/{user}", x -> sendJson(x, 200, services.accounts().find(username)
                    .orElseThrow(() -> new ApiException(404, "No account for '" + username
                            + "': not a member of a current experiment and never given numbers"))));
        }
        if (noun.equals("gpus") && parts.size() == 2) {
            requireMethod(method, "GET");
            return new Route("/v1/gpus", x -> sendJson(x, 200, services.cloud().gpuInventory()));
        }
        throw new ApiException(404, "No such route: " + method + " " + path + " (see /openapi.json)");
    }

    private static void requireMethod(String actual, String expected) {
        if (!actual.equals(expected)) {
            throw new ApiException(405, "Method " + actual + " is not allowed here; use " + expected);
        }
    }

    private static ApiException noSuchExperiment(String proposal) {
        return new ApiException(404, "No experiment with proposal id '" + proposal + "'");
    }

    /** Who made the change, for the audit log: the API caller (tokens are not named, never logged). */
    private static String actor(HttpExchange exchange) {
        return "api:" + exchange.getRemoteAddress().getAddress().getHostAddress();
    }

    private int applyExperiment(HttpExchange exchange, String proposalFromPath) throws IOException {
        ExperimentInput input = readBody(exchange, ExperimentInput.class);
        if (proposalFromPath != null) {
            if (input.proposalId() != null && !input.proposalId().equals(proposalFromPath)) {
                throw new ApiException(400, "The experiment is invalid", List.of(new FieldError("proposalId",
                        "'" + input.proposalId() + "' does not match the path's '" + proposalFromPath + "'")));
            }
            input = new ExperimentInput(proposalFromPath, input.beamline(), input.group(), input.startsAt(),
                    input.endsAt(), input.desktop(), input.members());
        }
        ExperimentService.Applied applied = services.experiments().apply(input, actor(exchange));
        return sendJson(exchange, applied.created() ? 201 : 200, applied.experiment());
    }

    private record MemberInput(String username) {
    }

    private int addMember(HttpExchange exchange, String proposal) throws IOException {
        MemberInput input = readBody(exchange, MemberInput.class);
        Experiment experiment = services.experiments().addMember(proposal, input.username(), actor(exchange))
                .orElseThrow(() -> noSuchExperiment(proposal));
        return sendJson(exchange, 200, experiment);
    }

    private int listDesktops(HttpExchange exchange) throws IOException {
        Map<String, String> query = query(exchange.getRequestURI());
        DesktopRepository.Filter filter = new DesktopRepository.Filter(query.get("experiment"), query.get("user"),
                "true".equals(query.get("includeDeleted")));
        List<Desktop> desktops = services.database().inTransaction(c -> services.desktops().list(c, filter));
        return sendJson(exchange, 200, desktops);
    }

    /** The Guacamole nodes' reports: authenticated by an activity token or an API token. */
    private Route activityRoute(HttpExchange exchange, String method) {
        requireMethod(method, "POST");
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (!services.activity().accepts(authorization) && !services.tokens().accepts(authorization)) {
            exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"heps-agent\"");
            throw new ApiException(401, "A valid bearer token is required (Authorization: Bearer <token>)");
        }
        return new Route("/v1/desktop-activity", x -> {
            ActivityReport report = readBody(x, ActivityReport.class);
            try {
                return sendJson(x, 200, services.activity().receive(report));
            } catch (ActivityService.InvalidReportException e) {
                throw new ApiException(400, e.getMessage(), e.errors());
            }
        });
    }

    private record EnrollmentInput(String serverId, String token) {
    }

    private int enroll(HttpExchange exchange) throws IOException {
        EnrollmentInput input = readBody(exchange, EnrollmentInput.class);
        List<FieldError> missing = new ArrayList<>();
        if (input.serverId() == null || input.serverId().isBlank()) {
            missing.add(new FieldError("serverId", "required"));
        }
        if (input.token() == null || input.token().isBlank()) {
            missing.add(new FieldError("token", "required"));
        }
        if (!missing.isEmpty()) {
            throw new ApiException(400, "The enrollment request is invalid", missing);
        }
        EnrollmentService.Result result = services.enrollment().enroll(input.serverId(), input.token(),
                exchange.getRemoteAddress().getAddress().getHostAddress(), services.enrollmentChecksAddress());
        if (result.outcome() != EnrollmentService.Outcome.GRANTED) {
            // One answer whatever failed, so a caller cannot probe server ids or tokens.
            throw new ApiException(403, "Enrollment refused");
        }
        return sendJson(exchange, 200, Map.of("vncPassword", result.vncPassword()));
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> values = new HashMap<>();
        String raw = uri.getRawQuery();
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

    private static <T> T readBody(HttpExchange exchange, Class<T> type) throws IOException {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType == null || !contentType.toLowerCase().startsWith("application/json")) {
            throw new ApiException(415, "Send the body as JSON with Content-Type: application/json");
        }
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new ApiException(413, "The body is larger than " + MAX_BODY_BYTES + " bytes");
        }
        if (body.length == 0) {
            throw new ApiException(400, "The body is empty; send a JSON object");
        }
        try {
            T value = JSON.readValue(body, type);
            if (value == null) {
                throw new ApiException(400, "The body is null; send a JSON object");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw new ApiException(400, "The body has an unknown field",
                    List.of(new FieldError(path(e), "unknown field; known fields: " + e.getKnownPropertyIds())));
        } catch (JsonMappingException e) {
            throw new ApiException(400, "The body does not have the expected shape",
                    List.of(new FieldError(path(e), e.getOriginalMessage())));
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "The body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getFieldName() != null) {
                if (path.length() > 0) {
                    path.append('.');
                }
                path.append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.length() == 0 ? "(body)" : path.toString();
    }

    private static int sendJson(HttpExchange exchange, int status, Object body) throws IOException {
        return send(exchange, status, "application/json", JSON.writeValueAsBytes(body));
    }

    private static int send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
        return status;
    }

    private static void sendError(HttpExchange exchange, int status, String message, List<FieldError> fields) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("error", message);
        if (!fields.isEmpty()) {
            body.put("fields", fields);
        }
        try {
            send(exchange, status, "application/json", JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            LOG.debug("Could not send the error answer", e);
        }
    }

    static byte[] openApiDocument() throws IOException {
        try (InputStream in = ApiServer.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the agent's jar");
            }
            return in.readAllBytes();
        }
    }
}
