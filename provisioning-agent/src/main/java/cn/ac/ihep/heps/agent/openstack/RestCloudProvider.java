package cn.ac.ihep.heps.agent.openstack;

import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.CloudUnavailableException;
import cn.ac.ihep.heps.common.cloud.GpuInventory;
import cn.ac.ihep.heps.common.cloud.ServerQuery;
import cn.ac.ihep.heps.common.cloud.ServerRequest;
import cn.ac.ihep.heps.common.cloud.ServerState;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The agent's OpenStack access over the plain REST APIs (Keystone v3 password auth, Nova,
 * Glance v2, Neutron, Placement), with credentials from {@code clouds.yaml} and
 * {@code OS_CLOUD} or from {@code OS_*} variables, as every OpenStack client reads them.
 * Tag filters are sent with compute microversion 2.61 (CONTRACTS §2 needs 2.26 or later);
 * a target host becomes the admin-only {@code nova:<host>} availability zone.
 */
public final class RestCloudProvider implements CloudProvider {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COMPUTE_VERSION = "compute 2.61";
    private static final Set<String> STANDARD_IMAGE_FIELDS = Set.of("id", "name", "status", "created_at", "updated_at",
            "visibility", "protected", "checksum", "owner", "size", "min_ram", "min_disk", "disk_format",
            "container_format", "tags", "self", "file", "schema", "virtual_size", "os_hash_algo", "os_hash_value",
            "os_hidden", "direct_url", "locations", "stores");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final JsonNode auth;
    private final String region;
    private String token;
    private Instant tokenExpires = Instant.EPOCH;
    private final Map<String, String> endpoints = new HashMap<>();

    private RestCloudProvider(JsonNode cloud) {
        this.auth = cloud.get("auth");
        this.region = cloud.path("region_name").asText("RegionOne");
    }

    /**
     * The cloud named by {@code OS_CLOUD} in the first clouds.yaml found ({@code OS_CLIENT_CONFIG_FILE},
     * ./clouds.yaml, ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml), or, without
     * {@code OS_CLOUD}, the {@code OS_AUTH_URL}, {@code OS_USERNAME}, {@code OS_PASSWORD},
     * {@code OS_PROJECT_NAME} variables.
     */
    public static RestCloudProvider fromEnvironment(Map<String, String> environment) {
        String name = environment.get("OS_CLOUD");
        if (name == null || name.isBlank()) {
            if (environment.get("OS_AUTH_URL") == null) {
                throw new CloudException("No OpenStack credentials: set OS_CLOUD (with a clouds.yaml) or OS_AUTH_URL, "
                        + "OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME; for the local test bed: "
                        + "export OS_CLIENT_CONFIG_FILE=/var/lib/heps-openstack/clouds.yaml OS_CLOUD=heps-dev-admin");
            }
            ObjectNode cloud = JSON.createObjectNode();
            ObjectNode auth = cloud.putObject("auth");
            auth.put("auth_url", environment.get("OS_AUTH_URL"));
            auth.put("username", environment.getOrDefault("OS_USERNAME", ""));
            auth.put("password", environment.getOrDefault("OS_PASSWORD", ""));
            auth.put("project_name", environment.getOrDefault("OS_PROJECT_NAME", ""));
            auth.put("user_domain_name", environment.getOrDefault("OS_USER_DOMAIN_NAME", "Default"));
            auth.put("project_domain_name", environment.getOrDefault("OS_PROJECT_DOMAIN_NAME", "Default"));
            cloud.put("region_name", environment.getOrDefault("OS_REGION_NAME", "RegionOne"));
            return new RestCloudProvider(cloud);
        }
        List<Path> candidates = new ArrayList<>();
        if (environment.get("OS_CLIENT_CONFIG_FILE") != null) {
            candidates.add(Path.of(environment.get("OS_CLIENT_CONFIG_FILE")));
        }
        candidates.add(Path.of("clouds.yaml"));
        candidates.add(Path.of(System.getProperty("user.home"), ".config", "openstack", "clouds.yaml"));
        candidates.add(Path.of("/etc/openstack/clouds.yaml"));
        for (Path file : candidates) {
            if (!Files.isRegularFile(file)) {
                continue;
            }
            try {
                JsonNode clouds = new ObjectMapper(new YAMLFactory()).readTree(file.toFile()).get("clouds");
                if (clouds != null && clouds.has(name)) {
                    return new RestCloudProvider(clouds.get(name));
                }
            } catch (IOException e) {
                throw new CloudException("Cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        throw new CloudException("No cloud '" + name + "' in " + candidates + " (check OS_CLOUD and OS_CLIENT_CONFIG_FILE)");
    }

    private synchronized String token() {
        if (token != null && Instant.now().isBefore(tokenExpires.minusSeconds(60))) {
            return token;
        }
        ObjectNode body = JSON.createObjectNode();
        ObjectNode identity = body.putObject("auth").putObject("identity");
        identity.putArray("methods").add("password");
        ObjectNode user = identity.putObject("password").putObject("user");
        user.put("name", auth.get("username").asText());
        user.put("password", auth.get("password").asText());
        user.putObject("domain").put("name", auth.path("user_domain_name").asText("Default"));
        ObjectNode project = ((ObjectNode) body.get("auth")).putObject("scope").putObject("project");
        project.put("name", auth.get("project_name").asText());
        project.putObject("domain").put("name", auth.path("project_domain_name").asText("Default"));
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(auth.get("auth_url").asText() + "/auth/tokens"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())), "authenticate");
        check(response, "authenticate");
        token = response.headers().firstValue("X-Subject-Token").orElseThrow();
        JsonNode tokenBody = read(response.body());
        tokenExpires = Instant.parse(tokenBody.at("/token/expires_at").asText());
        for (JsonNode service : tokenBody.at("/token/catalog")) {
            for (JsonNode endpoint : service.get("endpoints")) {
                if ("public".equals(endpoint.get("interface").asText())
                        && region.equals(endpoint.path("region_id").asText(region))) {
                    endpoints.put(service.get("type").asText(), endpoint.get("url").asText().replaceAll("/$", ""));
                }
            }
        }
        return token;
    }

    private String endpoint(String type) {
        token();
        String url = endpoints.get(type);
        if (url == null) {
            throw new CloudException("The service catalog has no public " + type + " endpoint in " + region);
        }
        return url;
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String what) {
        HttpRequest built = request.timeout(Duration.ofSeconds(60)).build();
        try {
            try {
                return http.send(built, HttpResponse.BodyHandlers.ofString());
            } catch (IOException stale) {
                // Python WSGI servers drop idle keep-alive connections; a request that found its
                // pooled connection closed never reached them, so it is sent once more.
                if (built.method().equals("POST") && !String.valueOf(stale.getMessage()).contains("no bytes")) {
                    throw stale;
                }
                return http.send(built, HttpResponse.BodyHandlers.ofString());
            }
        } catch (IOException e) {
            throw new CloudUnavailableException("OpenStack did not answer " + what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudUnavailableException("Interrupted during " + what, e);
        }
    }

    private JsonNode call(String method, String service, String path, JsonNode body, String microversion, String what) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint(service) + path))
                .header("X-Auth-Token", token())
                .header("Accept", "application/json");
        if (microversion != null) {
            request.header("OpenStack-API-Version", microversion);
        }
        String contentType = method.equals("PATCH") ? "application/openstack-images-v2.1-json-patch" : "application/json";
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body.toString()));
        if (body != null) {
            request.header("Content-Type", contentType);
        }
        HttpResponse<String> response = send(request, what);
        check(response, what);
        return response.body() == null || response.body().isBlank() ? JSON.nullNode() : read(response.body());
    }

    private static void check(HttpResponse<String> response, String what) {
        int status = response.statusCode();
        if (status == 404) {
            throw new CloudNotFoundException(what + ": not found");
        }
        if (status >= 500) {
            throw new CloudUnavailableException(what + ": HTTP " + status + " " + response.body(), null);
        }
        if (status >= 400) {
            throw new CloudException(what + ": HTTP " + status + " " + response.body());
        }
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new CloudException("Unreadable answer: " + e.getMessage(), e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    // Servers

    @Override
    public List<CloudServer> listServers(ServerQuery query) {
        StringBuilder path = new StringBuilder("/servers/detail?limit=1000");
        if (!query.allTags().isEmpty()) {
            path.append("&tags=").append(encode(String.join(",", query.allTags())));
        }
        if (!query.anyTags().isEmpty()) {
            path.append("&tags-any=").append(encode(String.join(",", query.anyTags())));
        }
        List<CloudServer> servers = new ArrayList<>();
        for (JsonNode server : call("GET", "compute", path.toString(), null, COMPUTE_VERSION, "list servers").get("servers")) {
            servers.add(server(server));
        }
        return servers;
    }

    private static CloudServer server(JsonNode s) {
        Set<String> tags = new HashSet<>();
        s.path("tags").forEach(t -> tags.add(t.asText()));
        Map<String, String> metadata = new HashMap<>();
        s.path("metadata").fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
        Map<String, List<String>> fixed = new HashMap<>();
        String floating = null;
        Iterator<Map.Entry<String, JsonNode>> networks = s.path("addresses").fields();
        while (networks.hasNext()) {
            Map.Entry<String, JsonNode> network = networks.next();
            for (JsonNode address : network.getValue()) {
                if (address.path("version").asInt() != 4) {
                    continue;
                }
                if ("floating".equals(address.path("OS-EXT-IPS:type").asText())) {
                    floating = address.get("addr").asText();
                } else {
                    fixed.computeIfAbsent(network.getKey(), k -> new ArrayList<>()).add(address.get("addr").asText());
                }
            }
        }
        String status = s.path("status").asText();
        String task = s.path("OS-EXT-STS:task_state").asText("");
        ServerState state = ServerState.fromNovaStatus(status);
        String host = s.path("OS-EXT-SRV-ATTR:host").isNull() ? null : s.path("OS-EXT-SRV-ATTR:host").asText(null);
        String flavorId = s.path("flavor").path("id").asText(null);
        String imageId = s.path("image").isObject() ? s.path("image").path("id").asText(null) : null;
        String created = s.path("created").asText(null);
        return new CloudServer(s.get("id").asText(), s.path("name").asText(), state, tags, metadata, fixed, floating,
                flavorId, imageId, host, created == null ? null : Instant.parse(created));
    }

    @Override
    public Optional<CloudServer> findServer(String serverId) {
        try {
            return Optional.of(server(call("GET", "compute", "/servers/" + encode(serverId), null, COMPUTE_VERSION,
                    "show server").get("server")));
        } catch (CloudNotFoundException e) {
            return Optional.empty();
        }
    }

    @Override
    public CloudServer createServer(ServerRequest request) {
        JsonNode networks = call("GET", "network", "/v2.0/networks?name=" + encode(request.networkName()), null, null,
                "find network").get("networks");
        if (networks.isEmpty()) {
            throw new CloudNotFoundException("No network " + request.networkName());
        }
        ObjectNode body = JSON.createObjectNode();
        ObjectNode server = body.putObject("server");
        server.put("name", request.name());
        server.put("imageRef", request.imageId());
        server.put("flavorRef", request.flavorId());
        server.putArray("networks").addObject().put("uuid", networks.get(0).get("id").asText());
        ObjectNode metadata = server.putObject("metadata");
        request.metadata().forEach(metadata::put);
        ArrayNode tags = server.putArray("tags");
        request.tags().forEach(tags::add);
        if (request.userData() != null) {
            server.put("user_data", Base64.getEncoder().encodeToString(request.userData().getBytes(StandardCharsets.UTF_8)));
        }
        if (request.targetHost() != null) {
            server.put("availability_zone", "nova:" + request.targetHost());
        }
        String id = call("POST", "compute", "/servers", body, COMPUTE_VERSION, "create server").at("/server/id").asText();
        return findServer(id).orElseThrow(() -> new CloudException("Server " + id + " vanished after create"));
    }

    private void action(String serverId, String action, String what) {
        ObjectNode body = JSON.createObjectNode();
        body.putNull(action);
        call("POST", "compute", "/servers/" + encode(serverId) + "/action", body, COMPUTE_VERSION, what);
    }

    @Override
    public void startServer(String serverId) {
        action(serverId, "os-start", "start server");
    }

    @Override
    public void stopServer(String serverId) {
        action(serverId, "os-stop", "stop server");
    }

    @Override
    public void shelveServer(String serverId) {
        action(serverId, "shelve", "shelve server");
    }

    @Override
    public void unshelveServer(String serverId) {
        action(serverId, "unshelve", "unshelve server");
    }

    @Override
    public void resumeServer(String serverId) {
        action(serverId, "resume", "resume server");
    }

    @Override
    public void unpauseServer(String serverId) {
        action(serverId, "unpause", "unpause server");
    }

    @Override
    public void deleteServer(String serverId) {
        call("DELETE", "compute", "/servers/" + encode(serverId), null, COMPUTE_VERSION, "delete server");
    }

    @Override
    public void setServerMetadata(String serverId, Map<String, String> metadata) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode values = body.putObject("metadata");
        metadata.forEach(values::put);
        call("POST", "compute", "/servers/" + encode(serverId) + "/metadata", body, COMPUTE_VERSION, "set metadata");
    }

    @Override
    public String consoleOutput(String serverId, int lines) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("os-getConsoleOutput").put("length", lines);
        return call("POST", "compute", "/servers/" + encode(serverId) + "/action", body, COMPUTE_VERSION,
                "console output").path("output").asText("");
    }

    // Images

    @Override
    public String createSnapshot(String serverId, String imageName) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("createImage").put("name", imageName);
        return call("POST", "compute", "/servers/" + encode(serverId) + "/action", body, COMPUTE_VERSION,
                "snapshot").path("image_id").asText();
    }

    private static CloudImage image(JsonNode i) {
        Map<String, String> properties = new LinkedHashMap<>();
        i.fields().forEachRemaining(e -> {
            if (!STANDARD_IMAGE_FIELDS.contains(e.getKey()) && e.getValue().isValueNode() && !e.getValue().isNull()) {
                properties.put(e.getKey(), e.getValue().asText());
            }
        });
        String created = i.path("created_at").asText(null);
        return new CloudImage(i.get("id").asText(), i.path("name").asText(""), i.path("status").asText(), properties,
                created == null ? null : Instant.parse(created));
    }

    @Override
    public List<CloudImage> listImages(Map<String, String> propertyFilter) {
        StringBuilder path = new StringBuilder("/v2/images?limit=1000");
        propertyFilter.forEach((k, v) -> path.append('&').append(encode(k)).append('=').append(encode(v)));
        List<CloudImage> images = new ArrayList<>();
        for (JsonNode image : call("GET", "image", path.toString(), null, null, "list images").get("images")) {
            images.add(image(image));
        }
        return images;
    }

    @Override
    public Optional<CloudImage> findImage(String imageId) {
        try {
            return Optional.of(image(call("GET", "image", "/v2/images/" + encode(imageId), null, null, "show image")));
        } catch (CloudNotFoundException e) {
            return Optional.empty();
        }
    }

    @Override
    public void updateImageProperties(String imageId, Map<String, String> properties) {
        CloudImage current = findImage(imageId).orElseThrow(() -> new CloudNotFoundException("No image " + imageId));
        ArrayNode patch = JSON.createArrayNode();
        properties.forEach((k, v) -> patch.addObject().put("op", current.properties().containsKey(k) ? "replace" : "add")
                .put("path", "/" + k).put("value", v));
        call("PATCH", "image", "/v2/images/" + encode(imageId), patch, null, "update image");
    }

    @Override
    public void deleteImage(String imageId) {
        call("DELETE", "image", "/v2/images/" + encode(imageId), null, null, "delete image");
    }

    // Flavors and GPUs

    @Override
    public List<CloudFlavor> listFlavors() {
        List<CloudFlavor> flavors = new ArrayList<>();
        for (JsonNode f : call("GET", "compute", "/flavors/detail", null, COMPUTE_VERSION, "list flavors").get("flavors")) {
            Map<String, String> specs = new HashMap<>();
            f.path("extra_specs").fields().forEachRemaining(e -> specs.put(e.getKey(), e.getValue().asText()));
            flavors.add(new CloudFlavor(f.get("id").asText(), f.get("name").asText(), f.path("vcpus").asInt(),
                    f.path("ram").asInt(), f.path("disk").asInt(), specs));
        }
        return flavors;
    }

    @Override
    public Optional<CloudFlavor> findFlavor(String idOrName) {
        return listFlavors().stream().filter(f -> f.id().equals(idOrName) || f.name().equals(idOrName)).findFirst();
    }

    @Override
    public List<GpuInventory> gpuInventory() {
        String version = "placement 1.14";
        Map<String, String> names = new HashMap<>();
        JsonNode providers = call("GET", "placement", "/resource_providers", null, version, "list providers")
                .get("resource_providers");
        providers.forEach(p -> names.put(p.get("uuid").asText(), p.get("name").asText()));
        List<GpuInventory> inventory = new ArrayList<>();
        for (JsonNode provider : providers) {
            String uuid = provider.get("uuid").asText();
            JsonNode inventories = call("GET", "placement", "/resource_providers/" + uuid + "/inventories", null, version,
                    "inventories").get("inventories");
            JsonNode usages = call("GET", "placement", "/resource_providers/" + uuid + "/usages", null, version,
                    "usages").get("usages");
            inventories.fields().forEachRemaining(e -> {
                String resourceClass = e.getKey();
                if (resourceClass.startsWith("CUSTOM_GPU") || resourceClass.equals("PGPU") || resourceClass.equals("VGPU")) {
                    String host = names.getOrDefault(provider.path("root_provider_uuid").asText(uuid), provider.get("name").asText());
                    inventory.add(new GpuInventory(host, resourceClass, e.getValue().get("total").asInt(),
                            usages.path(resourceClass).asInt()));
                }
            });
        }
        return inventory;
    }
}
