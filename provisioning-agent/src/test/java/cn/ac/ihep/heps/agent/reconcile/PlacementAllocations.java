package cn.ac.ihep.heps.agent.reconcile;

import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What Placement holds for one server on the test bed ({@code GET /allocations/<server id>}),
 * asked with the bed's admin token: the resources summed over every provider.
 */
final class PlacementAllocations {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String token;
    private final URI endpoint;

    private PlacementAllocations(String token, URI endpoint) {
        this.token = token;
        this.endpoint = endpoint;
    }

    static PlacementAllocations of(OpenStackTestBed bed) throws Exception {
        String token = openstack(bed, "token", "issue", "-f", "value", "-c", "id");
        String url = openstack(bed, "endpoint", "list", "--service", "placement", "--interface", "public",
                "-f", "value", "-c", "URL");
        return new PlacementAllocations(token, URI.create(url.endsWith("/") ? url : url + "/"));
    }

    Map<String, Integer> of(String serverId) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        endpoint.resolve("allocations/" + serverId))
                .header("X-Auth-Token", token).header("OpenStack-API-Version", "placement 1.28").build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("Placement answered " + response.statusCode() + ": " + response.body());
        }
        Map<String, Integer> resources = new TreeMap<>();
        for (JsonNode provider : JSON.readTree(response.body()).path("allocations")) {
            provider.path("resources").fields().forEachRemaining(
                    entry -> resources.merge(entry.getKey(), entry.getValue().asInt(), Integer::sum));
        }
        return resources;
    }

    private static String openstack(OpenStackTestBed bed, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openstack", "--os-cloud", OpenStackTestBed.ADMIN_CLOUD));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("OS_CLIENT_CONFIG_FILE", bed.cloudsYaml().toString());
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("openstack " + String.join(" ", args) + " failed: " + out);
        }
        return out;
    }
}
