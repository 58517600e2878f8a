package cn.ac.ihep.heps.testsupport.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The provisioning agent's HTTP API (its OpenAPI document, {@code /openapi.json}), the calls a
 * user-service system makes: put an experiment, list its desktops, remove members. Every call
 * is bounded; a status other than the expected one is an {@link IllegalStateException} with the
 * agent's error body.
 */
public final class AgentApiClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final String bearerToken;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public AgentApiClient(URI base, String bearerToken) {
        this.base = base;
        this.bearerToken = bearerToken;
    }

    /**
     * An experiment as {@code PUT /v1/experiments/{proposalId}} takes it.
     *
     * @param idle the experiment's own idle limits ({@code desktop.idle}), or null for its beamline's
     */
    public record ExperimentRequest(String proposalId, String beamline, String group, Instant startsAt, Instant endsAt,
            List<String> members, String os, int gpus, String flavor, String protocol, IdleLimits idle) {

        public ExperimentRequest {
            members = List.copyOf(members);
        }

        /** An experiment that keeps its beamline's idle limits. */
        public ExperimentRequest(String proposalId, String beamline, String group, Instant startsAt, Instant endsAt,
                List<String> members, String os, int gpus, String flavor, String protocol) {
            this(proposalId, beamline, group, startsAt, endsAt, members, os, gpus, flavor, protocol, null);
        }

        public ExperimentRequest withMembers(List<String> newMembers) {
            return new ExperimentRequest(proposalId, beamline, group, startsAt, endsAt, newMembers, os, gpus, flavor,
                    protocol, idle);
        }

        public ExperimentRequest withIdle(IdleLimits limits) {
            return new ExperimentRequest(proposalId, beamline, group, startsAt, endsAt, members, os, gpus, flavor,
                    protocol, limits);
        }

        ObjectNode toJson() {
            ObjectNode json = JSON.createObjectNode()
                    .put("proposalId", proposalId)
                    .put("beamline", beamline)
                    .put("startsAt", startsAt.toString())
                    .put("endsAt", endsAt.toString());
            if (group != null) {
                json.put("group", group);
            }
            ArrayNode array = json.putArray("members");
            members.forEach(array::add);
            ObjectNode desktop = json.putObject("desktop").put("os", os).put("gpus", gpus).put("flavor", flavor);
            if (protocol != null) {
                desktop.put("protocol", protocol);
            }
            if (idle != null) {
                ObjectNode limits = desktop.putObject("idle");
                if (idle.disconnectAfter() != null) {
                    limits.put("disconnectAfter", idle.disconnectAfter());
                }
                if (idle.shelveAfter() != null) {
                    limits.put("shelveAfter", idle.shelveAfter());
                }
            }
            return json;
        }
    }

    /**
     * An experiment's idle limits ({@code desktop.idle}): each {@code off}, an ISO-8601 duration,
     * or null to keep the beamline's.
     */
    public record IdleLimits(String disconnectAfter, String shelveAfter) {
    }

    /** A desktop as {@code GET /v1/desktops} lists it. */
    public record AgentDesktop(String proposalId, String username, String serverName, String serverId, String state,
            String cloudState, String address, String reason) {

        public boolean isRunningWithAddress() {
            return "RUNNING".equals(state) && address != null && !address.isBlank() && serverId != null;
        }

        public boolean isHeldOrFailed() {
            return "HELD".equals(state) || "FAILED".equals(state);
        }
    }

    public boolean healthy() {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(base.resolve("healthz"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Creates or updates the experiment; its member list replaces the stored one. */
    public void putExperiment(ExperimentRequest experiment) {
        send(request("v1/experiments/" + encode(experiment.proposalId()))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(experiment.toJson().toString())).build(), 200, 201);
    }

    public List<AgentDesktop> desktops(String proposalId) {
        JsonNode json = send(request("v1/desktops?experiment=" + encode(proposalId)).GET().build(), 200);
        List<AgentDesktop> desktops = new ArrayList<>();
        json.forEach(node -> desktops.add(new AgentDesktop(text(node, "proposalId"), text(node, "username"),
                text(node, "serverName"), text(node, "serverId"), text(node, "state"), text(node, "cloudState"),
                text(node, "address"), text(node, "reason"))));
        return desktops;
    }

    /**
     * Waits until the experiment's desktops satisfy the condition (checked every 3 s); an
     * {@link IllegalStateException} listing them when one is held or failed or time runs out.
     */
    public List<AgentDesktop> awaitDesktops(String proposalId, Predicate<List<AgentDesktop>> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<AgentDesktop> desktops = desktops(proposalId);
            if (condition.test(desktops)) {
                return desktops;
            }
            if (desktops.stream().anyMatch(AgentDesktop::isHeldOrFailed)) {
                throw new IllegalStateException("a desktop of " + proposalId + " is held or failed: " + desktops);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the desktops of " + proposalId + " are not ready after " + timeout
                        + ": " + desktops);
            }
            try {
                Thread.sleep(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** A member's directory account as the agent lists it ({@code GET /v1/accounts/{user}}); empty for 404. */
    public java.util.Optional<JsonNode> account(String username) {
        JsonNode account = send(request("v1/accounts/" + encode(username)).GET().build(), 200, 404);
        return account.has("username") ? java.util.Optional.of(account) : java.util.Optional.empty();
    }

    /**
     * The desktop owner's sign-in as a Guacamole node gets it ({@code POST /v1/desktop-sign-in}
     * with a credential token): the answer's {@code password}.
     */
    public String signInPassword(String credentialToken, String serverId, String username) {
        ObjectNode body = JSON.createObjectNode().put("serverId", serverId).put("username", username);
        HttpRequest request = HttpRequest.newBuilder(base.resolve("v1/desktop-sign-in")).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + credentialToken).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        return send(request, 200).get("password").asText();
    }

    /** Lets a named user open a member's desktop ({@code PUT /v1/desktops/{proposalId}/{owner}/users/{username}}). */
    public void addNamedUser(String proposalId, String owner, String username) {
        send(request("v1/desktops/" + encode(proposalId) + "/" + encode(owner) + "/users/" + encode(username))
                .PUT(HttpRequest.BodyPublishers.noBody()).build(), 200);
    }

    /** The newest audit entries naming the user as actor or subject ({@code GET /v1/audit?user=}), at most 50. */
    public List<JsonNode> audit(String username) {
        JsonNode page = send(request("v1/audit?limit=50&user=" + encode(username)).GET().build(), 200);
        List<JsonNode> entries = new ArrayList<>();
        page.path("entries").forEach(entries::add);
        return entries;
    }

    public void removeMember(String proposalId, String username) {
        send(request("v1/experiments/" + encode(proposalId) + "/members/" + encode(username)).DELETE().build(), 200, 404);
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + bearerToken)
                .header("Accept", "application/json");
    }

    private JsonNode send(HttpRequest request, int... expected) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            for (int status : expected) {
                if (response.statusCode() == status) {
                    String body = response.body();
                    return body == null || body.isBlank() ? JSON.nullNode() : JSON.readTree(body);
                }
            }
            throw new IllegalStateException("the agent answered " + request.method() + " " + request.uri().getPath()
                    + " with HTTP " + response.statusCode() + ": " + response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("the agent at " + base + " did not answer " + request.method() + " "
                    + request.uri().getPath() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String text(JsonNode json, String field) {
        JsonNode value = json.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
