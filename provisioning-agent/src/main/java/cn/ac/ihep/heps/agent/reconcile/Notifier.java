package cn.ac.ihep.heps.agent.reconcile;

import cn.ac.ihep.heps.common.log.LogSafe;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells people before a desktop is started, shelved or deleted, and when a GPU desktop not yet
 * due does not fit the GPU calendar: always a log line, and a JSON POST to the configured
 * webhook. A failed webhook returns false so the reconciler tries again on its next pass; it
 * never holds up the change itself.
 */
public class Notifier {
    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The three lifecycle changes that are announced, and a GPU desktop at risk (due at its start). */
    public enum Kind { start, shelve, delete, gpu_at_risk }

    /** {@code detail} says more where there is more to say (why GPUs are at risk); else null. */
    public record Notice(Kind kind, Instant dueAt, String proposalId, String beamline, String username,
            String serverName, String serverId, String detail) {

        public Notice(Kind kind, Instant dueAt, String proposalId, String beamline, String username,
                String serverName, String serverId) {
            this(kind, dueAt, proposalId, beamline, username, serverName, serverId, null);
        }
    }

    private final Optional<URI> webhook;
    private final HttpClient http;

    public Notifier(Optional<URI> webhook) {
        this.webhook = webhook;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Returns true when the notice was delivered (or there is no webhook to deliver to). */
    public boolean send(Notice notice) {
        if (notice.kind() == Kind.gpu_at_risk) {
            LOG.warn("The GPUs of desktop {} of {} for experiment {}, due at {}, are at risk: {}", notice.serverName(),
                    notice.username(), notice.proposalId(), notice.dueAt(), notice.detail());
        } else {
            LOG.info("Desktop {} of {} for experiment {} will be {} at {}", notice.serverName(), notice.username(),
                    notice.proposalId(), notice.kind() == Kind.start ? "started" : notice.kind() + "d", notice.dueAt());
        }
        if (webhook.isEmpty()) {
            return true;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("event", "desktop." + notice.kind());
        body.put("dueAt", notice.dueAt().toString());
        body.put("experiment", notice.proposalId());
        body.put("beamline", notice.beamline());
        body.put("user", notice.username());
        body.put("serverName", notice.serverName());
        body.put("serverId", notice.serverId());
        if (notice.detail() != null) {
            body.put("detail", notice.detail());
        }
        try {
            HttpRequest request = HttpRequest.newBuilder(webhook.get())
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                    .build();
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() / 100 == 2) {
                return true;
            }
            LOG.warn("The notification webhook answered {} for {} of {}; retrying next pass",
                    response.statusCode(), notice.kind(), notice.serverName());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            LOG.warn("The notification webhook is unreachable ({}); retrying next pass", LogSafe.message(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }
}
