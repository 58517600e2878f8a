package cn.ac.ihep.heps.agent.api;

import cn.ac.ihep.heps.common.log.LogSafe;
import cn.ac.ihep.heps.agent.accounts.DirectoryAccounts;
import cn.ac.ihep.heps.agent.activity.ActivityService;
import cn.ac.ihep.heps.agent.audit.AuditService;
import cn.ac.ihep.heps.agent.desktop.Desktop;
import cn.ac.ihep.heps.agent.desktop.DesktopRequestRefused;
import cn.ac.ihep.heps.agent.desktop.DesktopService;
import cn.ac.ihep.heps.agent.desktop.DesktopUserService;
import cn.ac.ihep.heps.agent.accounts.DirectoryException;
import cn.ac.ihep.heps.agent.desktop.DesktopSignIn;
import cn.ac.ihep.heps.agent.desktop.EnrollmentService;
import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.experiment.ExperimentInput;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.experiment.FieldError;
import cn.ac.ihep.heps.agent.experiment.InvalidExperimentException;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.StoreException;
import cn.ac.ihep.heps.common.activity.ActivityReport;
import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.CloudUnavailableException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.QuietException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.QoSHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
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
    // A body a little over the limit is read and dropped before the 413, so that a client still
    // sending it reads the answer instead of a reset connection; beyond this the connection closes.
    private static final int DRAINED_BODY_BYTES = 1024 * 1024;

    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * What the API needs from the rest of the agent; {@code activity} may be null (no activity
     * route), and so may {@code desktopActions} and {@code desktopUsers} (no routes on one desktop)
     * and {@code signIn} (no sign-in route). {@code desktopsChanged} is told after each change
     * that the reconcile loop turns into desktops (an experiment, its members, a desktop's users).
     */
    public record Services(ExperimentService experiments, Database database, DesktopRepository desktops,
            EnrollmentService enrollment, DirectoryAccounts accounts, CloudProvider cloud, AgentMetrics metrics, BearerTokens tokens,
            boolean enrollmentChecksAddress, ActivityService activity, DesktopService desktopActions,
            DesktopUserService desktopUsers, SignInAccess signIn, Runnable desktopsChanged) {

        public Services(ExperimentService experiments, Database database, DesktopRepository desktops,
                EnrollmentService enrollment, DirectoryAccounts accounts, CloudProvider cloud, AgentMetrics metrics,
                BearerTokens tokens, boolean enrollmentChecksAddress, ActivityService activity,
                DesktopService desktopActions, DesktopUserService desktopUsers, SignInAccess signIn) {
            this(experiments, database, desktops, enrollment, accounts, cloud, metrics, tokens, enrollmentChecksAddress,
                    activity, desktopActions, desktopUsers, signIn, () -> { });
        }

        public Services(ExperimentService experiments, Database database, DesktopRepository desktops,
                EnrollmentService enrollment, DirectoryAccounts accounts, CloudProvider cloud, AgentMetrics metrics,
                BearerTokens tokens, boolean enrollmentChecksAddress) {
            this(experiments, database, desktops, enrollment, accounts, cloud, metrics, tokens, enrollmentChecksAddress,
                    null, null);
        }

        public Services(ExperimentService experiments, Database database, DesktopRepository desktops,
                EnrollmentService enrollment, DirectoryAccounts accounts, CloudProvider cloud, AgentMetrics metrics,
                BearerTokens tokens, boolean enrollmentChecksAddress, ActivityService activity) {
            this(experiments, database, desktops, enrollment, accounts, cloud, metrics, tokens, enrollmentChecksAddress,
                    activity, null, null, null);
        }

        public Services(ExperimentService experiments, Database database, DesktopRepository desktops,
                EnrollmentService enrollment, DirectoryAccounts accounts, CloudProvider cloud, AgentMetrics metrics,
                BearerTokens tokens, boolean enrollmentChecksAddress, ActivityService activity,
                DesktopService desktopActions, DesktopUserService desktopUsers) {
            this(experiments, database, desktops, enrollment, accounts, cloud, metrics, tokens, enrollmentChecksAddress,
                    activity, desktopActions, desktopUsers, null);
        }

        public Services(ExperimentService experiments, Database database, DesktopRepository desktops,
                EnrollmentService enrollment, DirectoryAccounts accounts, CloudProvider cloud, AgentMetrics metrics,
                BearerTokens tokens, boolean enrollmentChecksAddress, ActivityService activity, SignInAccess signIn) {
            this(experiments, database, desktops, enrollment, accounts, cloud, metrics, tokens, enrollmentChecksAddress,
                    activity, null, null, signIn);
        }
    }

    /**
     * The sign-in route's own parts: the service, the tokens that may read sign-ins
     * ({@code credential-tokens}: neither the API's nor the activity tokens), and whether plain
     * HTTP from a client that is not on loopback is allowed ({@code sso-allow-plain-http}).
     */
    public record SignInAccess(DesktopSignIn service, BearerTokens tokens, boolean plainHttpAllowed) {
    }

    /**
     * How much of the API one client, or all of them, can hold. A request's headers and body
     * must each arrive within {@code requestTimeout}; a kept-alive connection may sit idle for
     * {@code idleTimeout}; past {@code maxConnections} new connections wait in the listen
     * backlog; a client address past {@code maxConnectionsPerAddress} is refused more; at most
     * {@code maxConcurrentRequests} requests are handled at once and at most
     * {@code maxQueuedRequests} wait (each for at most {@code requestTimeout}); past that the
     * answer is 503.
     */
    public record Limits(Duration requestTimeout, Duration idleTimeout, int maxConnections,
            int maxConnectionsPerAddress, int maxConcurrentRequests, int maxQueuedRequests) {
        public static final Limits DEFAULT = new Limits(Duration.ofSeconds(10), Duration.ofSeconds(30), 512, 32,
                32, 256);

        public Limits {
            if (requestTimeout.isNegative() || requestTimeout.isZero() || idleTimeout.isNegative()
                    || idleTimeout.isZero()) {
                throw new IllegalArgumentException("API timeouts must be longer than zero");
            }
            if (maxConnections < 1 || maxConnectionsPerAddress < 1 || maxConcurrentRequests < 1
                    || maxQueuedRequests < 1) {
                throw new IllegalArgumentException("API connection and request limits must be at least 1");
            }
        }
    }

    private final Server server;
    private final ServerConnector connector;
    private final ConnectionGuard guard;
    private final Services services;

    private ApiServer(Server server, ServerConnector connector, ConnectionGuard guard, Services services) {
        this.server = server;
        this.connector = connector;
        this.guard = guard;
        this.services = services;
    }

    /**
     * Starts listening with the default {@link Limits}. With an SSL context the server speaks
     * HTTPS; with {@code requireClientCertificate} it also demands a client certificate (mutual TLS).
     */
    public static ApiServer start(InetSocketAddress address, Services services, SSLContext tls,
            boolean requireClientCertificate) throws IOException {
        return start(address, services, tls, requireClientCertificate, Limits.DEFAULT);
    }

    public static ApiServer start(InetSocketAddress address, Services services, SSLContext tls,
            boolean requireClientCertificate, Limits limits) throws IOException {
        if (services.tokens().isEmpty()) {
            throw new IllegalArgumentException("No API bearer tokens are configured: set api-tokens (HEPS_API_TOKENS)");
        }
        // Threads for every request handled at once plus Jetty's own (acceptor, selector, reserve).
        QueuedThreadPool threads = new QueuedThreadPool(limits.maxConcurrentRequests() + 16, 4);
        threads.setName("heps-api");
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setRequestHeaderSize(16 * 1024);
        // Path segments are split before they are decoded, so an encoded '/' inside a proposal id
        // stays inside it and the answer is the route's own 404, as it always was.
        http.setUriCompliance(UriCompliance.DEFAULT.with("heps-api", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR));
        HttpConnectionFactory httpFactory = new HttpConnectionFactory(http);
        ServerConnector connector;
        if (tls != null) {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setSslContext(tls);
            ssl.setNeedClientAuth(requireClientCertificate);
            connector = new ServerConnector(server, 1, 1,
                    new SslConnectionFactory(ssl, httpFactory.getProtocol()), httpFactory);
        } else {
            connector = new ServerConnector(server, 1, 1, httpFactory);
        }
        connector.setHost(address.getHostString());
        connector.setPort(address.getPort());
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        connector.setAcceptQueueSize(128);
        ConnectionGuard guard = new ConnectionGuard(limits);
        connector.addBean(guard);
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));
        server.setStopTimeout(2000);
        ApiServer api = new ApiServer(server, connector, guard, services);
        // The bounded request queue: requests past maxConcurrentRequests wait here, up to
        // maxQueuedRequests of them for at most requestTimeout; the rest are answered 503 at once.
        QoSHandler queue = new QoSHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                api.handle(request, response, callback);
                return true;
            }
        });
        queue.setMaxRequestCount(limits.maxConcurrentRequests());
        queue.setMaxSuspendedRequestCount(limits.maxQueuedRequests());
        queue.setMaxSuspend(limits.requestTimeout());
        queue.setRejectStatusCode(503);
        server.setHandler(queue);
        try {
            server.start();
        } catch (IOException e) {
            api.close();
            throw e;
        } catch (Exception e) {
            api.close();
            throw new IOException("Cannot start the API on " + address + ": " + e.getMessage(), e);
        }
        LOG.info("API listening on {}", api.baseUri(tls != null));
        return api;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(connector.getHost(), connector.getLocalPort());
    }

    public URI baseUri(boolean tls) {
        InetSocketAddress address = address();
        return URI.create((tls ? "https" : "http") + "://" + address.getHostString() + ":" + address.getPort());
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.debug("Stopping the API", e);
        }
        guard.close();
    }

    /** One request as the routes see it: the request, its body once read, and the response headers. */
    private record Exchange(Request request, byte[] body, HttpFields.Mutable responseHeaders) {
        String method() {
            return request.getMethod();
        }

        String header(String name) {
            return request.getHeaders().get(name);
        }

        String remoteAddress() {
            return Request.getRemoteAddr(request);
        }
    }

    /** An answer: the status, its content type and its bytes. */
    private record Reply(int status, String contentType, byte[] body) {
    }

    private void handle(Request request, Response response, Callback callback) {
        long started = System.nanoTime();
        Connection connection = request.getConnectionMetaData().getConnection();
        guard.headersArrived(connection);
        Callback answered = Callback.from(() -> {
            guard.answered(connection);
            callback.succeeded();
        }, failure -> {
            guard.answered(connection);
            callback.failed(failure);
        });
        Route matched;
        try {
            matched = route(request, response.getHeaders());
        } catch (RuntimeException e) {
            refusedBeforeBody(connection, request, response);
            answer(request, response, answered, "unmatched", started, null, e);
            return;
        }
        if (!matched.readsBody()) {
            guard.requestRead(connection);
            run(matched, new Exchange(request, new byte[0], response.getHeaders()), response, answered, started);
            return;
        }
        String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            refusedBeforeBody(connection, request, response);
            answer(request, response, answered, matched.name(), started, null,
                    new ApiException(415, "Send the body as JSON with Content-Type: application/json"));
            return;
        }
        long declared = request.getLength();
        if (declared > DRAINED_BODY_BYTES) {
            refusedBeforeBody(connection, request, response);
            answer(request, response, answered, matched.name(), started, null, tooLarge());
            return;
        }
        // Read without holding a thread: a client that announces a body and never sends it costs
        // a connection until the request timeout, not a thread. readBody refuses what is over the limit.
        int readLimit = declared > MAX_BODY_BYTES ? DRAINED_BODY_BYTES : MAX_BODY_BYTES + 1;
        Content.Source.asByteArrayAsync(request, readLimit).whenComplete((body, failure) -> {
            guard.requestRead(connection);
            if (failure != null) {
                if (connection.getEndPoint().isOpen() && declared < 0) {
                    answer(request, response, answered, matched.name(), started, null, tooLarge());
                } else {
                    // Dropped at its deadline (or gone): nothing to answer, nothing worth a warning.
                    services.metrics().apiRequest(matched.name(), 408, (System.nanoTime() - started) / 1e9);
                    answered.failed(new QuietException.Exception("The request body did not arrive in time"));
                }
                return;
            }
            run(matched, new Exchange(request, body, response.getHeaders()), response, answered, started);
        });
    }

    /**
     * A request refused before its body was read (no such route, no token, wrong type, too large):
     * done reading, as far as the guard goes, and the connection closes after the answer, which
     * says so. Otherwise a client would send its next request on a connection the server is
     * closing for the unread bytes.
     */
    private void refusedBeforeBody(Connection connection, Request request, Response response) {
        guard.requestRead(connection);
        if (request.getLength() > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
    }

    private static ApiException tooLarge() {
        return new ApiException(413, "The body is larger than " + MAX_BODY_BYTES + " bytes");
    }

    private void run(Route route, Exchange exchange, Response response, Callback callback, long started) {
        Reply reply;
        try {
            reply = route.action().run(exchange);
        } catch (RuntimeException e) {
            answer(exchange.request(), response, callback, route.name(), started, null, e);
            return;
        }
        if (route.changesDesktops() && reply.status() / 100 == 2) {
            services.desktopsChanged().run();
        }
        answer(exchange.request(), response, callback, route.name(), started, reply, null);
    }

    private void answer(Request request, Response response, Callback callback, String route, long started,
            Reply reply, RuntimeException failure) {
        if (failure != null) {
            reply = errorReply(request.getMethod(), route, failure);
        }
        response.setStatus(reply.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, reply.body().length);
        services.metrics().apiRequest(route, reply.status(), (System.nanoTime() - started) / 1e9);
        response.write(true, ByteBuffer.wrap(reply.body()), callback);
    }

    private static Reply errorReply(String method, String route, RuntimeException failure) {
        if (failure instanceof ApiException e) {
            return error(e.status, e.getMessage(), e.fields);
        }
        if (failure instanceof InvalidExperimentException e) {
            return error(400, e.getMessage(), e.errors());
        }
        if (failure instanceof DesktopRequestRefused e) {
            int status = switch (e.reason()) {
                case NOT_FOUND -> 404;
                case INVALID -> 400;
                case FORBIDDEN -> 403;
                case CONFLICT -> 409;
            };
            return error(status, e.getMessage(), e.errors());
        }
        if (failure instanceof CloudUnavailableException e) {
            return error(503, "OpenStack is unavailable: " + e.getMessage() + "; retry later", List.of());
        }
        if (failure instanceof CloudException e) {
            return error(502, "OpenStack refused the request: " + e.getMessage(), List.of());
        }
        if (failure instanceof StoreException e) {
            LOG.warn("Database error on {} {}: {}", LogSafe.text(method), route, LogSafe.message(e.getMessage()));
            return error(503, "The agent's database is unavailable; retry later", List.of());
        }
        LOG.error("Unexpected error on {} {}", LogSafe.text(method), route, failure);
        return error(500, "Internal error; see the agent's log", List.of());
    }

    private interface Action {
        Reply run(Exchange exchange);
    }

    /**
     * A matched route: its name in metrics, what it does, whether it takes a JSON body, and whether
     * its success changes what the reconcile loop makes desktops from.
     */
    private record Route(String name, Action action, boolean readsBody, boolean changesDesktops) {
        Route(String name, Action action) {
            this(name, action, false, false);
        }

        static Route withBody(String name, Action action) {
            return new Route(name, action, true, false);
        }

        Route changingDesktops() {
            return new Route(name, action, readsBody, true);
        }
    }

    private Route route(Request request, HttpFields.Mutable responseHeaders) {
        String method = request.getMethod();
        String path = request.getHttpURI().getPath();
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            if (!part.isEmpty()) {
                parts.add(URLDecoder.decode(part, StandardCharsets.UTF_8));
            }
        }
        if (parts.equals(List.of("healthz"))) {
            return new Route("/healthz", x -> json(200, Map.of("status", "ok")));
        }
        if (parts.equals(List.of("metrics"))) {
            return new Route("/metrics", x -> new Reply(200, "text/plain; version=0.0.4; charset=utf-8",
                    services.metrics().scrape().getBytes(StandardCharsets.UTF_8)));
        }
        if (parts.equals(List.of("openapi.json"))) {
            return new Route("/openapi.json", x -> new Reply(200, "application/json", openApiDocumentBytes()));
        }
        if (parts.size() < 2 || !parts.get(0).equals("v1")) {
            throw new ApiException(404, "No such route: " + path + " (see /openapi.json)");
        }
        String noun = parts.get(1);
        if (noun.equals("enrollment") && parts.size() == 2) {
            requireMethod(method, "POST");
            return Route.withBody("/v1/enrollment", this::enroll);
        }
        if (noun.equals("desktop-activity") && parts.size() == 2 && services.activity() != null) {
            return activityRoute(request, method, responseHeaders);
        }
        if (noun.equals("desktop-sign-in") && parts.size() == 2 && services.signIn() != null) {
            return signInRoute(request, method, responseHeaders);
        }
        if (!services.tokens().accepts(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
            responseHeaders.add(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"heps-agent\"");
            throw new ApiException(401, "A valid bearer token is required (Authorization: Bearer <token>)");
        }
        if (noun.equals("experiments")) {
            if (parts.size() == 2) {
                if (method.equals("GET")) {
                    return new Route("/v1/experiments", x -> json(200, services.experiments().list()));
                }
                requireMethod(method, "POST");
                return Route.withBody("/v1/experiments", x -> applyExperiment(x, null)).changingDesktops();
            }
            String proposal = parts.get(2);
            if (parts.size() == 3) {
                if (method.equals("GET")) {
                    return new Route("/v1/experiments/{id}", x -> json(200, services.experiments()
                            .find(proposal).orElseThrow(() -> noSuchExperiment(proposal))));
                }
                requireMethod(method, "PUT");
                return Route.withBody("/v1/experiments/{id}", x -> applyExperiment(x, proposal)).changingDesktops();
            }
            if (parts.get(3).equals("extend") && parts.size() == 4) {
                requireMethod(method, "POST");
                return Route.withBody("/v1/experiments/{id}/extend", x -> extendExperiment(x, proposal)).changingDesktops();
            }
            if (parts.get(3).equals("members") && parts.size() == 4) {
                requireMethod(method, "POST");
                return Route.withBody("/v1/experiments/{id}/members", x -> addMember(x, proposal)).changingDesktops();
            }
            if (parts.get(3).equals("members") && parts.size() == 5) {
                requireMethod(method, "DELETE");
                return new Route("/v1/experiments/{id}/members/{user}", x -> json(200,
                        services.experiments().removeMember(proposal, parts.get(4), actor(x))
                                .orElseThrow(() -> noSuchExperiment(proposal)))).changingDesktops();
            }
        }
        if (noun.equals("desktops") && parts.size() == 2) {
            requireMethod(method, "GET");
            return new Route("/v1/desktops", this::listDesktops);
        }
        if (noun.equals("desktops") && parts.size() >= 4) {
            return desktopRoute(method, parts);
        }
        if (noun.equals("audit") && parts.size() == 2) {
            requireMethod(method, "GET");
            return new Route("/v1/audit", this::listAudit);
        }
        if (noun.equals("accounts") && parts.size() == 2) {
            requireMethod(method, "GET");
            return new Route("/v1/accounts", x -> json(200, services.accounts().list()));
        }
        if (noun.equals("accounts") && parts.size() == 3) {
            requireMethod(method, "GET");
            String username = parts.get(2);
            return new Route("/v1/accounts/{user}", x -> json(200, services.accounts().find(username)
                    .orElseThrow(() -> new ApiException(404, "No account for '" + username
                            + "': not a member of a current experiment and never given numbers"))));
        }
        if (noun.equals("gpus") && parts.size() == 2) {
            requireMethod(method, "GET");
            return new Route("/v1/gpus", x -> json(200, services.cloud().gpuInventory()));
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
    private static String actor(Exchange exchange) {
        return "api:" + exchange.remoteAddress();
    }

    private Reply applyExperiment(Exchange exchange, String proposalFromPath) {
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
        return json(applied.created() ? 201 : 200, applied.experiment());
    }

    private record MemberInput(String username) {
    }

    private record ExtendInput(String endsAt) {
    }

    private Reply extendExperiment(Exchange exchange, String proposal) {
        ExtendInput input = readBody(exchange, ExtendInput.class);
        return json(200, services.experiments().extend(proposal, input.endsAt(), actor(exchange))
                .orElseThrow(() -> noSuchExperiment(proposal)));
    }

    /**
     * Routes on one desktop, named {@code <proposal>/<owner>} as two path segments: the desktop,
     * its named users, and the owner's own start, stop and restart.
     */
    private Route desktopRoute(String method, List<String> parts) {
        if (services.desktopUsers() == null || services.desktopActions() == null) {
            throw new ApiException(404, "No such route: desktop routes are not served here");
        }
        String reference = parts.get(2) + "/" + parts.get(3);
        if (parts.size() == 4) {
            requireMethod(method, "GET");
            return new Route("/v1/desktops/{proposal}/{owner}", x -> json(200, desktop(reference)));
        }
        String what = parts.get(4);
        if (what.equals("users") && parts.size() == 5) {
            requireMethod(method, "GET");
            return new Route("/v1/desktops/{proposal}/{owner}/users",
                    x -> json(200, services.desktopUsers().list(reference)));
        }
        if (what.equals("users") && parts.size() == 6) {
            String username = parts.get(5);
            if (method.equals("PUT")) {
                return new Route("/v1/desktops/{proposal}/{owner}/users/{user}",
                        x -> json(200, services.desktopUsers().add(reference, username, actor(x)))).changingDesktops();
            }
            requireMethod(method, "DELETE");
            return new Route("/v1/desktops/{proposal}/{owner}/users/{user}",
                    x -> json(200, services.desktopUsers().remove(reference, username, actor(x)))).changingDesktops();
        }
        if (parts.size() == 5) {
            DesktopService.Action action = selfServiceAction(what);
            requireMethod(method, "POST");
            return Route.withBody("/v1/desktops/{proposal}/{owner}/" + action.name(), x -> ownersAction(x, reference,
                    action));
        }
        throw new ApiException(404, "No such route: " + method + " /v1/desktops/" + String.join("/", parts.subList(2,
                parts.size())) + " (see /openapi.json)");
    }

    private static DesktopService.Action selfServiceAction(String name) {
        for (DesktopService.Action action : DesktopService.SELF_SERVICE) {
            if (action.name().equals(name)) {
                return action;
            }
        }
        throw new ApiException(404, "No such route: a desktop's actions are start, stop and restart, and its named "
                + "users are under users/ (see /openapi.json)");
    }

    private Desktop desktop(String reference) {
        return services.database().inTransaction(c -> services.desktops().findByReference(c, reference))
                .orElseThrow(() -> new ApiException(404, "No desktop '" + reference + "'"));
    }

    private record OnBehalfOf(String user) {
    }

    /** The portal asks on behalf of a signed-in user; only the desktop's owner may. */
    private Reply ownersAction(Exchange exchange, String reference, DesktopService.Action action) {
        OnBehalfOf input = readBody(exchange, OnBehalfOf.class);
        if (input.user() == null || input.user().isBlank()) {
            throw new ApiException(400, "The request is invalid", List.of(new FieldError("user",
                    "required: the facility username of the signed-in user the portal asks for")));
        }
        Desktop desktop = desktop(reference);
        Optional<CloudServer> server = services.desktopActions().applyFor(desktop, action, input.user(),
                actor(exchange));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("desktop", desktop(reference));
        body.put("serverState", server.map(s -> s.state().name()).orElse(null));
        return json(200, body);
    }

    /** {@code GET /v1/audit}: filters user, desktop, since, until; a page of at most {@code limit}, {@code before} a cursor. */
    private Reply listAudit(Exchange exchange) {
        Map<String, String> query = query(exchange.request().getHttpURI().getQuery());
        List<FieldError> errors = new ArrayList<>();
        String user = query.get("user");
        if (user != null && (user.isBlank() || user.length() > 128)) {
            errors.add(new FieldError("user", "a username or actor of 1-128 characters"));
        }
        Instant since = instantParameter(query, "since", errors);
        Instant until = instantParameter(query, "until", errors);
        int limit = integerParameter(query, "limit", AuditService.DEFAULT_PAGE, 1, AuditLog.MAX_PAGE, errors);
        Long before = null;
        if (query.containsKey("before")) {
            try {
                before = Long.parseLong(query.get("before").trim());
            } catch (NumberFormatException e) {
                before = 0L;
            }
            if (before < 1) {
                errors.add(new FieldError("before", "the 'next' cursor of the previous page"));
            }
        }
        String subject = null;
        String desktop = query.get("desktop");
        if (desktop != null) {
            if (desktop.isBlank() || desktop.length() > 200) {
                errors.add(new FieldError("desktop", "<proposal>/<owner>, a server id or a server name"));
            } else {
                subject = audit().subjectOf(desktop).orElse(null);
                if (subject == null) {
                    errors.add(new FieldError("desktop", "no desktop '" + desktop + "'"));
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new ApiException(400, "The audit query is invalid", errors);
        }
        AuditLog.Query filter = new AuditLog.Query(user, subject, since, until, before, limit);
        return json(200, audit().find(filter));
    }

    private AuditService audit() {
        return new AuditService(services.database(), services.desktops(), new AuditLog());
    }

    private static Instant instantParameter(Map<String, String> query, String name, List<FieldError> errors) {
        String value = query.get(name);
        if (value == null) {
            return null;
        }
        try {
            // An unencoded '+' of an offset arrives as a space.
            return OffsetDateTime.parse(value.trim().replace(' ', '+')).toInstant();
        } catch (DateTimeParseException e) {
            errors.add(new FieldError(name, "an ISO-8601 date-time with offset, e.g. 2026-12-01T08:00:00Z"));
            return null;
        }
    }

    private static int integerParameter(Map<String, String> query, String name, int fallback, int min, int max,
            List<FieldError> errors) {
        String value = query.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        errors.add(new FieldError(name, "a whole number from " + min + " to " + max));
        return fallback;
    }

    private Reply addMember(Exchange exchange, String proposal) {
        MemberInput input = readBody(exchange, MemberInput.class);
        Experiment experiment = services.experiments().addMember(proposal, input.username(), actor(exchange))
                .orElseThrow(() -> noSuchExperiment(proposal));
        return json(200, experiment);
    }

    private Reply listDesktops(Exchange exchange) {
        Map<String, String> query = query(exchange.request().getHttpURI().getQuery());
        DesktopRepository.Filter filter = new DesktopRepository.Filter(query.get("experiment"), query.get("user"),
                "true".equals(query.get("includeDeleted")));
        List<Desktop> desktops = services.database().inTransaction(c -> services.desktops().list(c, filter));
        return json(200, desktops);
    }

    /** The Guacamole nodes' reports: authenticated by an activity token or an API token. */
    private Route activityRoute(Request request, String method, HttpFields.Mutable responseHeaders) {
        requireMethod(method, "POST");
        String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (!services.activity().accepts(authorization) && !services.tokens().accepts(authorization)) {
            responseHeaders.add(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"heps-agent\"");
            throw new ApiException(401, "A valid bearer token is required (Authorization: Bearer <token>)");
        }
        return Route.withBody("/v1/desktop-activity", x -> {
            ActivityReport report = readBody(x, ActivityReport.class);
            try {
                return json(200, services.activity().receive(report));
            } catch (ActivityService.InvalidReportException e) {
                throw new ApiException(400, e.getMessage(), e.errors());
            }
        });
    }

    private record SignInInput(String serverId, String username) {
    }

    /**
     * A Guacamole node's request for the owner's RDP sign-in (CONTRACTS addition, docs/contracts.md):
     * only with one of the {@code credential-tokens}, only over TLS or loopback unless the site
     * allows plain HTTP, never cached by anyone on the way.
     */
    private Route signInRoute(Request request, String method, HttpFields.Mutable responseHeaders) {
        requireMethod(method, "POST");
        SignInAccess access = services.signIn();
        if (!access.tokens().accepts(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
            responseHeaders.add(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"heps-agent\"");
            throw new ApiException(401, "A credential token is required (Authorization: Bearer <one of "
                    + "credential-tokens>)");
        }
        responseHeaders.put(HttpHeader.CACHE_CONTROL, "no-store");
        if (!request.isSecure() && !access.plainHttpAllowed() && !isLoopback(Request.getRemoteAddr(request))) {
            throw new ApiException(403, "Sign-ins are given over HTTPS (api-tls-keystore) or to a client on "
                    + "loopback only; sso-allow-plain-http=true allows plain HTTP");
        }
        return Route.withBody("/v1/desktop-sign-in", x -> {
            SignInInput input = readBody(x, SignInInput.class);
            if (!DesktopSignIn.wellFormed(input.serverId(), input.username())) {
                throw new ApiException(400, "The sign-in request is invalid", List.of(
                        new FieldError("serverId", "required: a Nova server id (at most 64 characters)"),
                        new FieldError("username", "required: a member's username")));
            }
            try {
                return json(200, access.service().signIn(input.serverId(), input.username(), x.remoteAddress()));
            } catch (DesktopSignIn.RefusedException e) {
                throw new ApiException(e.refusal() == DesktopSignIn.Refusal.NOT_OWNER ? 403 : 404, e.getMessage());
            } catch (DirectoryException e) {
                LOG.warn("Sign-in for {} not given: {}", LogSafe.text(input.username()), LogSafe.message(e.getMessage()));
                throw new ApiException(503, "The directory is unavailable; retry later");
            }
        });
    }

    private static boolean isLoopback(String address) {
        try {
            return address != null && java.net.InetAddress.getByName(address).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private record EnrollmentInput(String serverId, String token) {
    }

    private Reply enroll(Exchange exchange) {
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
                exchange.remoteAddress(), services.enrollmentChecksAddress());
        if (result.outcome() != EnrollmentService.Outcome.GRANTED) {
            // One answer whatever failed, so a caller cannot probe server ids or tokens.
            throw new ApiException(403, "Enrollment refused");
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("vncPassword", result.vncPassword());
        if (result.domainJoin() != null) {
            answer.put("domainJoin", result.domainJoin());
        }
        return json(200, answer);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> values = new HashMap<>();
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

    private static <T> T readBody(Exchange exchange, Class<T> type) {
        byte[] body = exchange.body();
        if (body.length > MAX_BODY_BYTES) {
            throw tooLarge();
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
        } catch (IOException e) {
            throw new ApiException(400, "Could not read the request: " + e.getMessage());
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

    private static Reply json(int status, Object body) {
        try {
            return new Reply(status, "application/json", JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write the answer as JSON", e);
        }
    }

    private static Reply error(int status, String message, List<FieldError> fields) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("error", message);
        if (!fields.isEmpty()) {
            body.put("fields", fields);
        }
        return json(status, body);
    }

    private static byte[] openApiDocumentBytes() {
        try {
            return openApiDocument();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read openapi.json", e);
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
