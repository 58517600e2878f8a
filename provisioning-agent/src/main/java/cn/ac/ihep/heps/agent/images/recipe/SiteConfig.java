package cn.ac.ihep.heps.agent.images.recipe;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The site's side of the recipes ({@code images-site.yaml}): input values per component
 * (artifact-store URLs and sha256s, licence servers, domain, storage), optionally per OS as
 * {@code <component>@linux} / {@code <component>@windows}, and the build settings.
 */
public record SiteConfig(Map<String, Map<String, String>> inputs, Map<String, String> build) {

    public SiteConfig {
        Map<String, Map<String, String>> copy = new TreeMap<>();
        inputs.forEach((component, values) -> copy.put(component, Map.copyOf(values)));
        inputs = java.util.Collections.unmodifiableMap(copy);
        build = Map.copyOf(build);
    }

    public static SiteConfig empty() {
        return new SiteConfig(Map.of(), Map.of());
    }

    /** The site's value for a component's input on one OS: the OS-specific entry wins. */
    public Optional<String> input(String component, OsFamily os, String input) {
        Map<String, String> specific = inputs.get(component + "@" + os.wireName());
        if (specific != null && specific.containsKey(input)) {
            return Optional.of(specific.get(input));
        }
        Map<String, String> general = inputs.get(component);
        return general == null ? Optional.empty() : Optional.ofNullable(general.get(input));
    }

    public Optional<String> buildSetting(String name) {
        return Optional.ofNullable(build.get(name));
    }
}
