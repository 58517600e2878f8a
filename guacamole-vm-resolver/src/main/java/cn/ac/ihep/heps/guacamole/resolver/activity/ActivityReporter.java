package cn.ac.ihep.heps.guacamole.resolver.activity;

import cn.ac.ihep.heps.common.activity.ActivityAnswer;
import cn.ac.ihep.heps.common.activity.ActivityReport;
import cn.ac.ihep.heps.common.activity.ActivityReport.OpenDesktop;
import cn.ac.ihep.heps.common.activity.ActivityReport.SessionEvent;
import cn.ac.ihep.heps.common.activity.ActivityReport.SessionJoin;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.guacamole.GuacamoleException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends this node's {@link ActivityReport} to the provisioning agent
 * ({@code POST <heps-agent-url>/v1/desktop-activity}, bearer {@code heps-agent-token}) every
 * {@code heps-agent-report-interval}, and soon after a connection opens, on a thread of its
 * own. A report that fails (agent down, slow beyond {@code heps-agent-timeout}, refused) is
 * logged once per outage and its events wait for the next; no login or session ever waits
 * for the agent. The answer's disconnect limits go to the {@link SessionRegistry}. Each report
 * also carries the joins of others' sessions waiting in the {@link JoinLog}, for the agent's
 * audit log; a join is reported as soon as a connection opening would be.
 */
@Singleton
public class ActivityReporter implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(ActivityReporter.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final SessionRegistry registry;
    private final JoinLog joins;
    private final Optional<URI> endpoint;
    private final String token;
    private final Duration interval;
    private final Duration timeout;
    private final String node;
    private final String instance = UUID.randomUUID().toString();
    private final AtomicBoolean flushPending = new AtomicBoolean();
    private long sequence;
    private boolean failing;
    private ScheduledExecutorService scheduler;
    private ExecutorService httpExecutor;
    private HttpClient http;

    @Inject
    public ActivityReporter(ConfigurationService configuration, SessionRegistry registry, JoinLog joins)
            throws GuacamoleException {
        this.registry = registry;
        this.joins = joins;
        Optional<URI> agent = configuration.getAgentUrl();
        this.endpoint = agent.map(uri -> uri.resolve(uri.getPath().endsWith("/") ? "v1/desktop-activity"
                : uri.getPath() + "/v1/desktop-activity"));
        this.token = agent.isPresent() ? configuration.getAgentToken() : null;
        this.interval = configuration.getAgentReportInterval();
        this.timeout = configuration.getAgentTimeout();
        this.node = configuration.getNodeName();
    }

    /** Starts reporting when {@code heps-agent-url} is set; otherwise does nothing. */
    public synchronized void start() {
        if (endpoint.isEmpty() || scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> daemon(runnable, "heps-agent-report"));
        httpExecutor = Executors.newFixedThreadPool(1, runnable -> daemon(runnable, "heps-agent-http"));
        http = HttpClient.newBuilder().connectTimeout(timeout).executor(httpExecutor).build();
        registry.onOpened(this::reportSoon);
        joins.onJoined(this::reportSoon);
        // A session's end too: the agent changes the owner's sign-in password once it hears of it.
        registry.onClosed(this::reportSoon);
        scheduler.scheduleWithFixedDelay(this::reportQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        logger.info("Desktop activity is reported to {} every {} s as node \"{}\"", endpoint.get(),
                interval.toSeconds(), node);
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    /**
     * A connection opened (report within the second, so the agent does not take its desktop for
     * unused) or closed (so the agent changes its owner's sign-in password soon).
     */
    private void reportSoon() {
        ScheduledExecutorService running = scheduler;
        if (running != null && flushPending.compareAndSet(false, true)) {
            try {
                running.schedule(this::reportQuietly, 200, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                flushPending.set(false);
            }
        }
    }

    private void reportQuietly() {
        flushPending.set(false);
        try {
            reportNow();
        } catch (RuntimeException e) {
            logger.warn("Desktop activity report failed: {}", e.getMessage());
            logger.debug("Activity report failure", e);
        }
    }

    /** One report, on the calling thread; false when it did not reach the agent. For tests and the scheduler. */
    boolean reportNow() {
        SessionRegistry.Snapshot snapshot = registry.snapshot();
        List<SessionEvent> events = registry.takeEvents(ActivityReport.MAX_EVENTS);
        List<SessionJoin> joined = joins.take(ActivityReport.MAX_JOINS);
        ActivityReport report;
        synchronized (this) {
            report = new ActivityReport(node, instance, ++sequence, snapshot.complete(), registry.dropped(),
                    snapshot.desktops(), events, joined);
        }
        try {
            HttpRequest request = HttpRequest.newBuilder(endpoint.orElseThrow())
                    .timeout(timeout)
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(report)))
                    .build();
            HttpResponse<byte[]> response = send(request);
            if (response.statusCode() / 100 != 2) {
                throw new IOException("the agent answered " + response.statusCode()
                        + (response.statusCode() == 401 ? " (check heps-agent-token against the agent's "
                                + "activity-tokens)" : ""));
            }
            ActivityAnswer answer = JSON.readValue(response.body(), ActivityAnswer.class);
            Set<String> reported = snapshot.desktops().stream().map(OpenDesktop::serverId).collect(Collectors.toSet());
            registry.limits(reported, answer.limits() == null ? List.of() : answer.limits());
            if (failing) {
                failing = false;
                logger.info("Desktop activity reaches the agent at {} again", endpoint.get());
            }
            return true;
        } catch (IOException e) {
            registry.putBack(events);
            joins.putBack(joined);
            String why = e instanceof java.net.http.HttpTimeoutException
                    ? "no answer within " + timeout.toSeconds() + " s (heps-agent-timeout)"
                    : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (!failing) {
                failing = true;
                logger.warn("Cannot report desktop activity to the agent at {}: {}. Sessions are not affected; "
                        + "the agent shelves no idle desktop until reports reach it again (retried every {} s)",
                        endpoint.get(), why, interval.toSeconds());
            } else {
                logger.debug("Activity report failed again: {}", why);
            }
            return false;
        } catch (InterruptedException e) {
            registry.putBack(events);
            joins.putBack(joined);
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Sends once more, on a fresh connection, when the connection fails before an answer: the
     * agent closes keep-alive connections idle for its api-idle-timeout (30 s, like the report
     * interval), so a report can go out on one just as it closes; every other report was lost
     * that way. A repeat is harmless (the agent ignores a sequence number it has stored). A
     * timeout is not repeated: a slow agent would only be kept waiting twice as long.
     */
    private HttpResponse<byte[]> send(HttpRequest request) throws IOException, InterruptedException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (java.net.http.HttpTimeoutException e) {
            throw e;
        } catch (IOException e) {
            logger.debug("Activity report connection failed ({}); sending once more", e.getMessage());
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        }
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            httpExecutor.shutdownNow();
            scheduler = null;
        }
    }
}
