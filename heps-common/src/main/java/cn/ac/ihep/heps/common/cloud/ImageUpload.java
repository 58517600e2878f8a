package cn.ac.ihep.heps.common.cloud;

import java.util.Map;

/**
 * A new image for {@link CloudProvider#uploadImage}: its name, formats, visibility and custom
 * properties (CONTRACTS §2).
 *
 * @param diskFormat e.g. {@code qcow2}
 * @param containerFormat e.g. {@code bare}
 * @param shared true for an image every project sees (Glance {@code public}, admin only); false
 *     for one of the provider's own project alone (Glance {@code private})
 */
public record ImageUpload(String name, String diskFormat, String containerFormat, boolean shared,
                          Map<String, String> properties) {

    public ImageUpload {
        properties = Map.copyOf(properties);
    }
}
