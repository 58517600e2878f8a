package cn.ac.ihep.heps.common.cloud.openstack;

import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerState;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a server from Nova's JSON (microversion 2.26 to 2.46). Nova puts the tags in the server
 * body from 2.26 on, which openstack4j does not read; reading them here keeps a listing of N
 * servers to one call instead of N + 1.
 */
final class ServerJson {

    private ServerJson() {
    }

    static CloudServer toCloudServer(JsonNode server) {
        Map<String, List<String>> fixed = new TreeMap<>();
        String floating = null;
        for (Iterator<Map.Entry<String, JsonNode>> networks = server.path("addresses").fields(); networks.hasNext();) {
            Map.Entry<String, JsonNode> network = networks.next();
            for (JsonNode address : network.getValue()) {
                if (address.path("version").asInt() != 4) {
                    continue;
                }
                String addr = address.path("addr").asText();
                if ("floating".equals(address.path("OS-EXT-IPS:type").asText())) {
                    floating = floating == null ? addr : floating;
                } else {
                    fixed.computeIfAbsent(network.getKey(), k -> new ArrayList<>()).add(addr);
                }
            }
        }
        Set<String> tags = new LinkedHashSet<>();
        server.path("tags").forEach(tag -> tags.add(tag.asText()));
        Map<String, String> metadata = new TreeMap<>();
        server.path("metadata").fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
        // One entry per port and group; Nova names each group.
        Set<String> securityGroups = new LinkedHashSet<>();
        server.path("security_groups").forEach(group -> securityGroups.add(group.path("name").asText()));
        return new CloudServer(
                server.path("id").asText(),
                server.path("name").asText(null),
                ServerState.fromNovaStatus(server.path("status").asText(null)),
                tags,
                metadata,
                fixed,
                floating,
                idOf(server.path("flavor")),
                idOf(server.path("image")),
                server.path("OS-EXT-SRV-ATTR:host").asText(null),
                instant(server.path("created").asText(null)),
                securityGroups);
    }

    /** Flavor and image are objects with an id; a server booted from a volume has "" as image. */
    private static String idOf(JsonNode reference) {
        String id = reference.path("id").asText(null);
        return id == null || id.isEmpty() ? null : id;
    }

    private static Instant instant(String value) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
