package cn.ac.ihep.heps.common.cloud;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** A Glance image and its properties (CONTRACTS §2 names the {@code heps_*} ones). */
public record CloudImage(String id, String name, String status, Map<String, String> properties, Instant created) {

    public CloudImage {
        properties = Map.copyOf(properties);
    }

    public Optional<String> property(String key) {
        return Optional.ofNullable(properties.get(key));
    }
}
