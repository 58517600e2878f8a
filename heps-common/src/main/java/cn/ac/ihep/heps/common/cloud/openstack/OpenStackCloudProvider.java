package cn.ac.ihep.heps.common.cloud.openstack;

import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudSecurityGroup;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.CloudUnavailableException;
import cn.ac.ihep.heps.common.cloud.GpuInventory;
import cn.ac.ihep.heps.common.cloud.ImageUpload;
import cn.ac.ihep.heps.common.cloud.IpNetwork;
import cn.ac.ihep.heps.common.cloud.SecurityGroupRule;
import cn.ac.ihep.heps.common.cloud.ServerQuery;
import cn.ac.ihep.heps.common.cloud.ServerRequest;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.openstack4j.api.OSClient;
import org.openstack4j.model.compute.Action;
import org.openstack4j.model.compute.Flavor;
import org.openstack4j.model.compute.RebootType;
import org.openstack4j.model.network.Network;

/**
 * {@link CloudProvider} on OpenStack: Nova through openstack4j at a pinned compute microversion,
 * Glance image properties, Placement and Neutron's security groups through their JSON APIs, all
 * on one shared token.
 */
public final class OpenStackCloudProvider implements CloudProvider {

    private static final String PLACEMENT_MICROVERSION = "1.18";
    private static final String CREATE_MICROVERSION = "2.52";
    private static final String GPU_TRAIT = "COMPUTE_MANAGED_PCI_DEVICE";
    private static final String VGPU = "VGPU";
    private static final Set<String> GLANCE_CORE_FIELDS = Set.of("id", "name", "status", "created_at", "updated_at",
            "visibility", "protected", "checksum", "owner", "size", "min_ram", "min_disk", "disk_format",
            "container_format", "file", "self", "schema", "tags", "virtual_size", "os_hidden", "os_hash_algo",
            "os_hash_value", "direct_url", "locations", "stores");

    /** How often an uploaded image's status is read until Glance calls it active. */
    private static final Duration IMAGE_POLL = Duration.ofSeconds(1);

    /** Nova's default max_limit; a larger site pages through markers. */
    private static final int SERVER_PAGE_SIZE = 1000;

    private final OpenStackClients clients;
    private final JsonApi json;
    private final String microversion;
    private final Clock clock;

    public OpenStackCloudProvider(OpenStackSettings settings) {
        this(settings, Clock.systemUTC());
    }

    OpenStackCloudProvider(OpenStackSettings settings, Clock clock) {
        this.clients = new OpenStackClients(settings, new SharedToken(settings, clock));
        this.json = new JsonApi(clients, settings);
        this.microversion = settings.computeMicroversion();
        this.clock = clock;
    }

    /** Credentials from OS_CLOUD / clouds.yaml / OS_* variables, default timeouts and microversion. */
    public static OpenStackCloudProvider fromEnvironment() {
        return new OpenStackCloudProvider(OpenStackSettings.defaults(OpenStackCredentials.fromEnvironment()));
    }

    // Servers

    @Override
    public List<CloudServer> listServers(ServerQuery query) {
        StringBuilder path = new StringBuilder("/servers/detail?limit=").append(SERVER_PAGE_SIZE);
        if (!query.allTags().isEmpty()) {
            path.append("&tags=").append(encode(String.join(",", new java.util.TreeSet<>(query.allTags()))));
        }
        if (!query.anyTags().isEmpty()) {
            path.append("&tags-any=").append(encode(String.join(",", new java.util.TreeSet<>(query.anyTags()))));
        }
        String what = "list servers tagged " + query.allTags() + (query.anyTags().isEmpty() ? "" : " and any of " + query.anyTags());
        List<CloudServer> servers = new ArrayList<>();
        String page = path.toString();
        while (page != null) {
            JsonNode body = json.get("compute", page, microversion, what);
            String lastId = null;
            for (JsonNode server : body.path("servers")) {
                servers.add(ServerJson.toCloudServer(server));
                lastId = server.path("id").asText();
            }
            // Nova pages by marker; a "next" link means there is more.
            boolean more = lastId != null && hasNextLink(body.path("servers_links"));
            page = more ? path + "&marker=" + encode(lastId) : null;
        }
        return servers;
    }

    @Override
    public Optional<CloudServer> findServer(String serverId) {
        try {
            JsonNode body = json.get("compute", "/servers/" + encode(serverId), microversion, "read server " + serverId);
            return Optional.of(ServerJson.toCloudServer(body.path("server")));
        } catch (CloudNotFoundException e) {
            return Optional.empty();
        }
    }

    private static boolean hasNextLink(JsonNode links) {
        for (JsonNode link : links) {
            if ("next".equals(link.path("rel").asText())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Boots through Nova's JSON API at microversion 2.52, the first that takes tags in the create
     * request: tags set afterwards would need the server out of BUILD, and until then a desktop
     * would be invisible to every lookup by tag. Reads go back through openstack4j at the pinned version.
     */
    @Override
    public CloudServer createServer(ServerRequest request) {
        String what = "create server " + request.name();
        String networkId = call(what, () -> networkId(clients.client(), request.networkName()));
        Map<String, Object> server = new LinkedHashMap<>();
        server.put("name", request.name());
        server.put("imageRef", request.imageId());
        server.put("flavorRef", request.flavorId());
        server.put("networks", List.of(Map.of("uuid", networkId)));
        server.put("metadata", request.metadata());
        server.put("tags", new ArrayList<>(new java.util.TreeSet<>(request.tags())));
        if (request.userData() != null) {
            server.put("user_data", Base64.getEncoder().encodeToString(request.userData().getBytes(StandardCharsets.UTF_8)));
        }
        if (request.targetHost() != null) {
            server.put("availability_zone", "nova:" + request.targetHost());
        }
        if (!request.securityGroups().isEmpty()) {
            // Nova takes a group's id where the API says "name", and then never confuses two groups of one name.
            server.put("security_groups", request.securityGroups().stream().map(group -> Map.of("name", group)).toList());
        }
        String id = json.post("compute", "/servers", CREATE_MICROVERSION, Map.of("server", server), what)
                .path("server").path("id").asText(null);
        if (id == null) {
            throw new CloudException("Cannot " + what + ": Nova accepted the request but returned no server id");
        }
        return findServer(id).orElseThrow(() -> new CloudNotFoundException(
                "Server " + id + " (" + request.name() + ") vanished right after it was created"));
    }

    @Override
    public void startServer(String serverId) {
        action(serverId, Action.START, "start");
    }

    @Override
    public void stopServer(String serverId) {
        action(serverId, Action.STOP, "stop");
    }

    @Override
    public void shelveServer(String serverId) {
        action(serverId, Action.SHELVE, "shelve");
    }

    @Override
    public void unshelveServer(String serverId) {
        action(serverId, Action.UNSHELVE, "unshelve");
    }

    @Override
    public void resumeServer(String serverId) {
        action(serverId, Action.RESUME, "resume");
    }

    @Override
    public void unpauseServer(String serverId) {
        action(serverId, Action.UNPAUSE, "unpause");
    }

    @Override
    public void deleteServer(String serverId) {
        call("delete server " + serverId, () -> {
            OpenStackErrors.check("delete server " + serverId, clients.client().compute().servers().delete(serverId));
            return null;
        });
    }

    @Override
    public void setServerMetadata(String serverId, Map<String, String> metadata) {
        call("set metadata of server " + serverId, () -> {
            OSClient.OSClientV3 os = clients.client();
            requireServer(os, serverId);
            os.compute().servers().updateMetadata(serverId, metadata);
            return null;
        });
    }

    /** {@code PUT /servers/{id}/tags} (compute 2.26 or later): the whole set at once, the server untouched. */
    @Override
    public void setServerTags(String serverId, Set<String> tags) {
        json.put("compute", "/servers/" + encode(serverId) + "/tags", microversion,
                Map.of("tags", new ArrayList<>(new java.util.TreeSet<>(tags))), "set the tags of server " + serverId);
    }

    @Override
    public void rebootServer(String serverId) {
        String what = "reboot server " + serverId;
        call(what, () -> {
            OpenStackErrors.check(what, clients.client().compute().servers().reboot(serverId, RebootType.SOFT));
            return null;
        });
    }

    @Override
    public String consoleOutput(String serverId, int lines) {
        return call("read the console of server " + serverId, () -> {
            OSClient.OSClientV3 os = clients.client();
            requireServer(os, serverId);
            String output = os.compute().servers().getConsoleOutput(serverId, lines);
            return output == null ? "" : output;
        });
    }

    // Images

    @Override
    public String createSnapshot(String serverId, String imageName) {
        return call("snapshot server " + serverId, () -> {
            OSClient.OSClientV3 os = clients.client();
            requireServer(os, serverId);
            String imageId = os.compute().servers().createSnapshot(serverId, imageName);
            if (imageId == null) {
                throw new CloudException("Nova accepted the snapshot of server " + serverId + " but named no image");
            }
            return imageId;
        });
    }

    @Override
    public List<CloudImage> listImages(Map<String, String> propertyFilter) {
        StringBuilder query = new StringBuilder("/v2/images?limit=1000");
        new TreeMap<>(propertyFilter).forEach((key, value) -> query.append('&').append(encode(key)).append('=')
                .append(encode(value)));
        JsonNode page = json.get("image", query.toString(), null, "list images with " + propertyFilter);
        List<CloudImage> images = new ArrayList<>();
        for (JsonNode image : page.path("images")) {
            images.add(toCloudImage(image));
        }
        return images;
    }

    @Override
    public Optional<CloudImage> findImage(String imageId) {
        try {
            return Optional.of(toCloudImage(json.get("image", "/v2/images/" + encode(imageId), null,
                    "read image " + imageId)));
        } catch (CloudNotFoundException e) {
            return Optional.empty();
        }
    }

    @Override
    public void updateImageProperties(String imageId, Map<String, String> properties) {
        CloudImage current = findImage(imageId)
                .orElseThrow(() -> new CloudNotFoundException("Cannot update image " + imageId + ": no such image"));
        List<Map<String, String>> patch = new ArrayList<>();
        new TreeMap<>(properties).forEach((key, value) -> {
            if (GLANCE_CORE_FIELDS.contains(key)) {
                throw new CloudException("Cannot update image " + imageId + ": '" + key + "' is not a custom property");
            }
            patch.add(Map.of("op", current.properties().containsKey(key) ? "replace" : "add",
                    "path", "/" + key, "value", value));
        });
        if (!patch.isEmpty()) {
            json.patch("image", "/v2/images/" + encode(imageId), "application/openstack-images-v2.1-json-patch", patch,
                    "update properties of image " + imageId);
        }
    }

    @Override
    public void deleteImage(String imageId) {
        json.delete("image", "/v2/images/" + encode(imageId), "delete image " + imageId);
    }

    /**
     * Glance v2: {@code POST /v2/images} (queued), {@code PUT /v2/images/{id}/file} streamed from
     * the file, then the image read every second until it is active. The deadline bounds all three.
     */
    @Override
    public CloudImage uploadImage(ImageUpload image, Path data, Duration timeout) {
        Instant deadline = clock.instant().plus(timeout);
        Map<String, Object> fields = new LinkedHashMap<>();
        new TreeMap<>(image.properties()).forEach((key, value) -> {
            if (GLANCE_CORE_FIELDS.contains(key)) {
                throw new CloudException("Cannot create image " + image.name() + ": '" + key + "' is not a custom property");
            }
            fields.put(key, value);
        });
        fields.put("name", image.name());
        fields.put("disk_format", image.diskFormat());
        fields.put("container_format", image.containerFormat());
        fields.put("visibility", image.shared() ? "public" : "private");
        String id = json.post("image", "/v2/images", null, fields, "create image " + image.name()).path("id").asText(null);
        if (id == null) {
            throw new CloudException("Cannot create image " + image.name() + ": Glance accepted the request but returned no image id");
        }
        String what = "upload image " + image.name() + " (" + id + ")";
        try {
            json.putFile("image", "/v2/images/" + encode(id) + "/file", data, remaining(deadline, what), what);
            return awaitActive(id, what, deadline);
        } catch (RuntimeException e) {
            deleteHalfMade(id, e);
            throw e;
        }
    }

    private CloudImage awaitActive(String id, String what, Instant deadline) {
        while (true) {
            Optional<CloudImage> current = findImage(id);
            if (current.isEmpty()) {
                throw new CloudNotFoundException("Cannot " + what + ": the image vanished while Glance stored it");
            }
            String status = current.get().status();
            if ("active".equals(status)) {
                return current.get();
            }
            if ("killed".equals(status) || "deleted".equals(status) || "pending_delete".equals(status)) {
                throw new CloudException("Cannot " + what + ": Glance put the image in status " + status);
            }
            if (!clock.instant().plus(IMAGE_POLL).isBefore(deadline)) {
                throw new CloudException("Cannot " + what + ": not active by the deadline (last status: " + status + ")");
            }
            try {
                Thread.sleep(IMAGE_POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CloudUnavailableException("Cannot " + what + ": interrupted while the image was " + status, e);
            }
        }
    }

    private Duration remaining(Instant deadline, String what) {
        Duration left = Duration.between(clock.instant(), deadline);
        if (left.isNegative() || left.isZero()) {
            throw new CloudException("Cannot " + what + ": the deadline passed before the data was sent");
        }
        return left;
    }

    /** Deletes an image whose upload failed, even on an interrupted thread; a failure here is added to the first. */
    private void deleteHalfMade(String id, RuntimeException failure) {
        boolean interrupted = Thread.interrupted();
        try {
            deleteImage(id);
        } catch (CloudNotFoundException gone) {
            // Already gone.
        } catch (RuntimeException e) {
            failure.addSuppressed(new CloudException("The half-made image " + id + " could not be deleted; delete it by hand ("
                    + e.getMessage() + ")", e));
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // Security groups (Neutron)

    /**
     * Filtered by the token's project: an admin's token sees every project's groups, and two
     * projects may each have a group of the same name.
     */
    @Override
    public List<CloudSecurityGroup> findSecurityGroups(String name) {
        String what = "list security groups named " + name;
        JsonNode body = json.get("network", neutronPath("/security-groups?name=" + encode(name) + "&project_id="
                + encode(projectId())), null, what);
        List<CloudSecurityGroup> groups = new ArrayList<>();
        for (JsonNode group : body.path("security_groups")) {
            groups.add(toSecurityGroup(group, what));
        }
        groups.sort(java.util.Comparator.comparing((CloudSecurityGroup g) -> g.created() == null ? Instant.EPOCH : g.created())
                .thenComparing(CloudSecurityGroup::id));
        return groups;
    }

    @Override
    public CloudSecurityGroup createSecurityGroup(String name, String description) {
        String what = "create security group " + name;
        JsonNode body = json.post("network", neutronPath("/security-groups"), null,
                Map.of("security_group", Map.of("name", name, "description", description)), what);
        return toSecurityGroup(body.path("security_group"), what);
    }

    @Override
    public void deleteSecurityGroup(String groupId) {
        json.delete("network", neutronPath("/security-groups/" + encode(groupId)), "delete security group " + groupId);
    }

    @Override
    public SecurityGroupRule addSecurityGroupRule(String groupId, SecurityGroupRule rule) {
        String what = "add the rule '" + rule.describe() + "' to security group " + groupId;
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("security_group_id", groupId);
        fields.put("direction", rule.direction() == SecurityGroupRule.Direction.INGRESS ? "ingress" : "egress");
        fields.put("ethertype", "IPv" + rule.ipVersion());
        if (rule.protocol() != null) {
            fields.put("protocol", rule.protocol());
        }
        if (rule.portMin() != null) {
            fields.put("port_range_min", rule.portMin());
        }
        if (rule.portMax() != null) {
            fields.put("port_range_max", rule.portMax());
        }
        if (rule.remote() != null) {
            fields.put("remote_ip_prefix", rule.remote().toString());
        }
        if (rule.remoteGroupId() != null) {
            fields.put("remote_group_id", rule.remoteGroupId());
        }
        JsonNode body = json.post("network", neutronPath("/security-group-rules"), null,
                Map.of("security_group_rule", fields), what);
        return toRule(body.path("security_group_rule"), what);
    }

    @Override
    public void deleteSecurityGroupRule(String ruleId) {
        json.delete("network", neutronPath("/security-group-rules/" + encode(ruleId)),
                "delete security group rule " + ruleId);
    }

    /**
     * Through openstack4j: its HTTP client sends a request again when a pooled connection turns
     * out closed, which Nova's actions, answered with an empty 202, otherwise run into.
     */
    @Override
    public void addServerSecurityGroup(String serverId, String group) {
        String what = "add server " + serverId + " to security group " + group;
        call(what, () -> {
            OpenStackErrors.check(what, clients.client().compute().servers().addSecurityGroup(serverId, group));
            return null;
        });
    }

    @Override
    public void removeServerSecurityGroup(String serverId, String group) {
        String what = "take server " + serverId + " out of security group " + group;
        call(what, () -> {
            OpenStackErrors.check(what, clients.client().compute().servers().removeSecurityGroup(serverId, group));
            return null;
        });
    }

    /** Neutron's catalog entry is usually unversioned; some sites register it with /v2.0. */
    private String neutronPath(String path) {
        return clients.endpoint("network").endsWith("/v2.0") ? path : "/v2.0" + path;
    }

    private String projectId() {
        org.openstack4j.model.identity.v3.Project project = clients.token().getProject();
        if (project == null || project.getId() == null) {
            throw new CloudException("Cannot manage security groups: the OpenStack credentials are not scoped to a project");
        }
        return project.getId();
    }

    private static CloudSecurityGroup toSecurityGroup(JsonNode group, String what) {
        List<SecurityGroupRule> rules = new ArrayList<>();
        for (JsonNode rule : group.path("security_group_rules")) {
            rules.add(toRule(rule, what));
        }
        String created = group.path("created_at").asText(null);
        Instant createdAt;
        try {
            createdAt = created == null ? null : Instant.parse(created);
        } catch (java.time.format.DateTimeParseException e) {
            createdAt = null;
        }
        return new CloudSecurityGroup(group.path("id").asText(), group.path("name").asText(), rules, createdAt);
    }

    private static SecurityGroupRule toRule(JsonNode rule, String what) {
        String ethertype = rule.path("ethertype").asText("IPv4");
        int version = "IPv6".equals(ethertype) ? 6 : 4;
        String prefix = rule.path("remote_ip_prefix").asText(null);
        IpNetwork remote;
        try {
            remote = prefix == null ? null : IpNetwork.containing(prefix);
        } catch (IllegalArgumentException e) {
            throw new CloudException("Cannot " + what + ": Neutron returned rule " + rule.path("id").asText()
                    + " with a remote_ip_prefix that is no network (" + e.getMessage() + ")");
        }
        return new SecurityGroupRule(rule.path("id").asText(null),
                "egress".equals(rule.path("direction").asText()) ? SecurityGroupRule.Direction.EGRESS
                        : SecurityGroupRule.Direction.INGRESS,
                version, rule.path("protocol").asText(null), intOrNull(rule.path("port_range_min")),
                intOrNull(rule.path("port_range_max")), remote, rule.path("remote_group_id").asText(null));
    }

    private static Integer intOrNull(JsonNode number) {
        return number.isNumber() ? number.asInt() : null;
    }

    // Flavors and GPUs

    @Override
    public List<CloudFlavor> listFlavors() {
        return call("list flavors", () -> {
            OSClient.OSClientV3 os = clients.client();
            List<CloudFlavor> flavors = new ArrayList<>();
            for (Flavor flavor : os.compute().flavors().list()) {
                flavors.add(toCloudFlavor(os, flavor));
            }
            return flavors;
        });
    }

    @Override
    public Optional<CloudFlavor> findFlavor(String idOrName) {
        return call("read flavor " + idOrName, () -> {
            OSClient.OSClientV3 os = clients.client();
            Flavor byId = os.compute().flavors().get(idOrName);
            if (byId != null) {
                return Optional.of(toCloudFlavor(os, byId));
            }
            for (Flavor flavor : os.compute().flavors().list()) {
                if (idOrName.equals(flavor.getName())) {
                    return Optional.of(toCloudFlavor(os, flavor));
                }
            }
            return Optional.empty();
        });
    }

    /**
     * Nova tracks each passed-through GPU as a child resource provider of its compute node,
     * named {@code <host>_<pci address>}, with the trait COMPUTE_MANAGED_PCI_DEVICE; each
     * physical GPU that offers vGPUs (CONTRACTS §2: {@code resources:VGPU=<n>}) is a child
     * provider with a VGPU inventory and no such trait. Rows are summed per host and resource
     * class; a host with every GPU in use still appears.
     */
    @Override
    public List<GpuInventory> gpuInventory() {
        String what = "read GPU inventory from Placement";
        JsonNode all = json.get("placement", "/resource_providers", PLACEMENT_MICROVERSION, what);
        Map<String, String> names = new HashMap<>();
        for (JsonNode provider : all.path("resource_providers")) {
            names.put(provider.path("uuid").asText(), provider.path("name").asText());
        }
        Set<String> passThrough = new LinkedHashSet<>();
        for (JsonNode provider : json.get("placement", "/resource_providers?required=" + GPU_TRAIT,
                PLACEMENT_MICROVERSION, what).path("resource_providers")) {
            passThrough.add(provider.path("uuid").asText());
        }
        Map<List<String>, int[]> totals = new LinkedHashMap<>();
        for (JsonNode provider : all.path("resource_providers")) {
            String uuid = provider.path("uuid").asText();
            String root = provider.path("root_provider_uuid").asText(uuid);
            boolean pciGpu = passThrough.contains(uuid);
            // Compute nodes hold no GPUs of their own: only their children are read.
            if (!pciGpu && root.equals(uuid)) {
                continue;
            }
            String host = names.getOrDefault(root, provider.path("name").asText());
            JsonNode inventories = json.get("placement", "/resource_providers/" + uuid + "/inventories",
                    PLACEMENT_MICROVERSION, what).path("inventories");
            if (!pciGpu && !inventories.has(VGPU)) {
                continue;
            }
            JsonNode usages = json.get("placement", "/resource_providers/" + uuid + "/usages", PLACEMENT_MICROVERSION,
                    what).path("usages");
            for (Iterator<String> classes = inventories.fieldNames(); classes.hasNext();) {
                String resourceClass = classes.next();
                if (!pciGpu && !VGPU.equals(resourceClass)) {
                    continue;
                }
                JsonNode inventory = inventories.path(resourceClass);
                int[] sum = totals.computeIfAbsent(List.of(host, resourceClass), k -> new int[2]);
                sum[0] += inventory.path("total").asInt() - inventory.path("reserved").asInt();
                sum[1] += usages.path(resourceClass).asInt();
            }
        }
        return totals.entrySet().stream()
                .map(e -> new GpuInventory(e.getKey().get(0), e.getKey().get(1), e.getValue()[0], e.getValue()[1]))
                .sorted(java.util.Comparator.comparing(GpuInventory::host).thenComparing(GpuInventory::resourceClass))
                .collect(Collectors.toList());
    }

    // Conversions and helpers

    private <T> T call(String what, java.util.function.Supplier<T> call) {
        return OpenStackErrors.callRenewingToken(what, call, clients::tokenRefused);
    }

    private void action(String serverId, Action action, String verb) {
        String what = verb + " server " + serverId;
        call(what, () -> {
            OpenStackErrors.check(what, clients.client().compute().servers().action(serverId, action));
            return null;
        });
    }

    private static void requireServer(OSClient.OSClientV3 os, String serverId) {
        if (os.compute().servers().get(serverId) == null) {
            throw new CloudNotFoundException("No server " + serverId);
        }
    }

    private static String networkId(OSClient.OSClientV3 os, String networkName) {
        List<? extends Network> networks = os.networking().network().list(Map.of("name", networkName));
        if (networks.isEmpty()) {
            throw new CloudNotFoundException("No network named " + networkName);
        }
        if (networks.size() > 1) {
            throw new CloudException("More than one network is named " + networkName + ": use a unique name");
        }
        return networks.get(0).getId();
    }

    private static CloudFlavor toCloudFlavor(OSClient.OSClientV3 os, Flavor flavor) {
        Map<String, String> specs = os.compute().flavors().listExtraSpecs(flavor.getId());
        return new CloudFlavor(flavor.getId(), flavor.getName(), flavor.getVcpus(), flavor.getRam(), flavor.getDisk(),
                specs == null ? Map.of() : specs);
    }

    private static CloudImage toCloudImage(JsonNode image) {
        Map<String, String> properties = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = image.fields(); fields.hasNext();) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!GLANCE_CORE_FIELDS.contains(field.getKey()) && !field.getValue().isNull()) {
                properties.put(field.getKey(), field.getValue().isTextual() ? field.getValue().asText()
                        : field.getValue().toString());
            }
        }
        String created = image.path("created_at").asText(null);
        return new CloudImage(image.path("id").asText(), image.path("name").asText(null), image.path("status").asText(),
                properties, created == null ? null : Instant.parse(created));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
