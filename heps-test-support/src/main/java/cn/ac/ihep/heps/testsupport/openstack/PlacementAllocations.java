package cn.ac.ihep.heps.testsupport.openstack;

import cn.ac.ihep.heps.common.cloud.openstack.OpenStackCredentials;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * What Placement holds for one consumer (a server), asked directly of Placement's API
 * ({@code GET /allocations/{consumer}}) with a token of the bed's admin: the resources a desktop
 * holds on its host, GPUs among them, and none once it is shelved and offloaded.
 */
public final class PlacementAllocations {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final OpenStackCredentials admin;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public PlacementAllocations(OpenStackCredentials admin) {
        this.admin = admin;
    }

    /** Resource class → amount the server holds, over all its providers; empty when it holds nothing. */
    public Map<String, Integer> of(String serverId) {
        Session session = authenticate();
        JsonNode answer = send(HttpRequest.newBuilder(URI.create(session.placement() + "/allocations/" + serverId))
                .header("X-Auth-Token", session.token()).header("Accept", "application/json")
                .header("OpenStack-API-Version", "placement 1.28").timeout(TIMEOUT).GET().build());
        Map<String, Integer> held = new TreeMap<>();
        answer.path("allocations").forEach(provider -> provider.path("resources").fields().forEachRemaining(
                resource -> held.merge(resource.getKey(), resource.getValue().asInt(), Integer::sum)));
        return held;
    }

    private record Session(String token, String placement) {
    }

    private Session authenticate() {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode auth = body.putObject("auth");
        ObjectNode identity = auth.putObject("identity");
        identity.putArray("methods").add("password");
        ObjectNode user = identity.putObject("password").putObject("user");
        user.put("name", admin.username()).put("password", admin.password());
        user.putObject("domain").put("name", admin.userDomainName());
        ObjectNode project = auth.putObject("scope").putObject("project");
        project.put("name", admin.projectName());
        project.putObject("domain").put("name", admin.projectDomainName());
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(URI.create(admin.identityV3Url() + "/auth/tokens"))
                    .header("Content-Type", "application/json").timeout(TIMEOUT)
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("Keystone did not answer: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (response.statusCode() != 201) {
            throw new IllegalStateException("Keystone refused the admin: HTTP " + response.statusCode());
        }
        String token = response.headers().firstValue("X-Subject-Token").orElseThrow();
        try {
            for (JsonNode service : JSON.readTree(response.body()).path("token").path("catalog")) {
                if (!"placement".equals(service.path("type").asText())) {
                    continue;
                }
                for (JsonNode endpoint : service.path("endpoints")) {
                    if ("public".equals(endpoint.path("interface").asText())) {
                        return new Session(token, endpoint.path("url").asText().replaceAll("/+$", ""));
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("Keystone's answer is not JSON", e);
        }
        throw new IllegalStateException("Keystone's catalog has no public Placement endpoint");
    }

    private static JsonNode send(HttpRequest request) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(request,
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() != 200) {
                throw new IllegalStateException("Placement answered " + request.uri().getPath() + " with HTTP "
                        + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("Placement did not answer: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
