package cn.ac.ihep.heps.common.cloud.openstack;

import cn.ac.ihep.heps.common.cloud.CloudException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Password credentials for Keystone v3, read the way every OpenStack client reads them:
 * {@code OS_CLOUD} names a cloud in {@code clouds.yaml} (found through
 * {@code OS_CLIENT_CONFIG_FILE}, else {@code ./clouds.yaml},
 * {@code ~/.config/openstack/clouds.yaml}, {@code /etc/openstack/clouds.yaml}); without
 * {@code OS_CLOUD}, the {@code OS_AUTH_URL}, {@code OS_USERNAME}, ... variables.
 *
 * <p>Password authentication only: openstack4j has no application-credential support.
 */
public record OpenStackCredentials(
        String authUrl,
        String username,
        String password,
        String projectName,
        String userDomainName,
        String projectDomainName,
        String regionName) {

    public OpenStackCredentials {
        require(authUrl, "auth_url");
        require(username, "username");
        require(password, "password");
        require(projectName, "project_name");
        userDomainName = blankToDefault(userDomainName, "Default");
        projectDomainName = blankToDefault(projectDomainName, "Default");
        regionName = blankToDefault(regionName, null);
    }

    /** From {@code OS_CLOUD} + clouds.yaml, else from {@code OS_*} variables. */
    public static OpenStackCredentials fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    public static OpenStackCredentials fromEnvironment(Map<String, String> env) {
        String cloud = env.get("OS_CLOUD");
        if (cloud != null && !cloud.isBlank()) {
            return fromCloudsYaml(findCloudsYaml(env), cloud);
        }
        if (env.get("OS_AUTH_URL") == null) {
            throw new CloudException("No OpenStack credentials: set OS_CLOUD (with a clouds.yaml) or OS_AUTH_URL,"
                    + " OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME");
        }
        return new OpenStackCredentials(env.get("OS_AUTH_URL"), env.get("OS_USERNAME"), env.get("OS_PASSWORD"),
                env.get("OS_PROJECT_NAME"),
                firstNonBlank(env.get("OS_USER_DOMAIN_NAME"), env.get("OS_DOMAIN_NAME")),
                firstNonBlank(env.get("OS_PROJECT_DOMAIN_NAME"), env.get("OS_DOMAIN_NAME")),
                env.get("OS_REGION_NAME"));
    }

    /** The clouds.yaml an OpenStack client would read, given these environment variables. */
    static Path findCloudsYaml(Map<String, String> env) {
        return findCloudsYaml(env, List.of());
    }

    /**
     * The clouds.yaml an OpenStack client would read: {@code OS_CLIENT_CONFIG_FILE} when set
     * (and then it must be readable), else the first readable of {@code extraCandidates},
     * {@code ./clouds.yaml}, {@code ~/.config/openstack/clouds.yaml} and
     * {@code /etc/openstack/clouds.yaml}.
     */
    public static Path findCloudsYaml(Map<String, String> env, List<Path> extraCandidates) {
        String explicit = env.get("OS_CLIENT_CONFIG_FILE");
        if (explicit != null && !explicit.isBlank()) {
            Path path = Path.of(explicit);
            if (!Files.isReadable(path)) {
                throw new CloudException("OS_CLIENT_CONFIG_FILE names " + path + ", which cannot be read");
            }
            return path;
        }
        List<Path> candidates = new ArrayList<>(extraCandidates);
        candidates.add(Path.of("clouds.yaml"));
        candidates.add(Path.of(System.getProperty("user.home"), ".config", "openstack", "clouds.yaml"));
        candidates.add(Path.of("/etc/openstack/clouds.yaml"));
        return candidates.stream().filter(Files::isReadable).findFirst().orElseThrow(() -> new CloudException(
                "no clouds.yaml was found (looked at " + candidates + "; set OS_CLIENT_CONFIG_FILE)"));
    }

    /** The named cloud of a clouds.yaml file. */
    public static OpenStackCredentials fromCloudsYaml(Path file, String cloudName) {
        Map<String, Object> root;
        try (InputStream in = Files.newInputStream(file)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        } catch (IOException | RuntimeException e) {
            throw new CloudException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        Map<String, Object> clouds = map(root == null ? null : root.get("clouds"));
        Map<String, Object> cloud = map(clouds.get(cloudName));
        if (cloud.isEmpty()) {
            throw new CloudException("Cloud '" + cloudName + "' is not in " + file + " (it has " + clouds.keySet() + ")");
        }
        Map<String, Object> auth = map(cloud.get("auth"));
        try {
            return new OpenStackCredentials(string(auth, "auth_url"), string(auth, "username"),
                    string(auth, "password"), string(auth, "project_name"),
                    firstNonBlank(string(auth, "user_domain_name"), string(auth, "domain_name")),
                    firstNonBlank(string(auth, "project_domain_name"), string(auth, "domain_name")),
                    string(cloud, "region_name"));
        } catch (CloudException e) {
            throw new CloudException("Cloud '" + cloudName + "' in " + file + ": " + e.getMessage());
        }
    }

    /** The Keystone v3 endpoint, whether the configuration named it with or without {@code /v3}. */
    public String identityV3Url() {
        String url = authUrl.endsWith("/") ? authUrl.substring(0, authUrl.length() - 1) : authUrl;
        return url.endsWith("/v3") ? url : url + "/v3";
    }

    public Optional<String> region() {
        return Optional.ofNullable(regionName);
    }

    @Override
    public String toString() {
        // Never the password: records print every component by default.
        return "OpenStackCredentials[" + username + "@" + projectName + " " + authUrl + "]";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map ? (Map<String, Object>) value : Map.of();
    }

    private static String string(Map<String, Object> map, String key) {
        Object value = map.get(key);
        return value == null ? null : value.toString();
    }

    private static void require(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new CloudException("OpenStack credentials lack " + name);
        }
    }

    private static String blankToDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }

    private static String firstNonBlank(String first, String second) {
        return first != null && !first.isBlank() ? first : second;
    }
}
