package cn.ac.ihep.heps.deploy;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * What the checks need from a compose file: per service its environment (as written and as it
 * resolves with no {@code .env}), secrets, volumes and health check; and the top-level secret files.
 */
record ComposeFile(Path directory, Map<String, Service> services, Map<String, Path> secretFiles) {

    /** A secret handed to a service: its top-level name and where it appears in the container. */
    record SecretMount(String source, String target) {
    }

    /**
     * @param runsOnce {@code restart: "no"}: a step that runs to completion before others start
     *     (they wait for it with {@code condition: service_completed_successfully})
     */
    record Service(String name, String image, Map<String, String> environment, List<SecretMount> secrets,
            List<String> volumes, boolean hasHealthCheck, boolean runsOnce) {

        /** The value with {@code ${VAR:-default}} replaced by its default, as with an empty {@code .env}. */
        Optional<String> resolved(String variable) {
            String raw = environment.get(variable);
            return raw == null ? Optional.empty() : Optional.of(interpolateDefaults(raw));
        }

        Optional<SecretMount> secretAt(String targetSuffix) {
            return secrets.stream().filter(s -> s.target().endsWith(targetSuffix)).findFirst();
        }
    }

    private static final Pattern INTERPOLATION = Pattern.compile("\\$\\{([A-Za-z0-9_]+)(?::?[-?]([^}]*))?}");

    static String interpolateDefaults(String raw) {
        Matcher matcher = INTERPOLATION.matcher(raw.replace("$$", "\u0000"));
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String fallback = matcher.group(0).contains("?") ? "" : matcher.group(2);
            matcher.appendReplacement(out, Matcher.quoteReplacement(fallback == null ? "" : fallback));
        }
        matcher.appendTail(out);
        return out.toString().replace("\u0000", "$");
    }

    static ComposeFile read(Path file) throws IOException {
        Map<String, Object> root;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = map(new Yaml(new SafeConstructor(new LoaderOptions())).load(reader), file + " (top level)");
        }
        Path directory = file.toAbsolutePath().getParent();
        Map<String, Service> services = new LinkedHashMap<>();
        map(root.get("services"), "services").forEach((name, value) ->
                services.put(name, service(name, map(value, "services." + name))));
        Map<String, Path> secretFiles = new LinkedHashMap<>();
        if (root.get("secrets") != null) {
            map(root.get("secrets"), "secrets").forEach((name, value) -> {
                Object path = map(value, "secrets." + name).get("file");
                if (path != null) {
                    secretFiles.put(name, directory.resolve(path.toString()).normalize());
                }
            });
        }
        return new ComposeFile(directory, services, secretFiles);
    }

    private static Service service(String name, Map<String, Object> definition) {
        Map<String, String> environment = new LinkedHashMap<>();
        Object env = definition.get("environment");
        if (env instanceof Map<?, ?> entries) {
            entries.forEach((key, value) -> environment.put(key.toString(), value == null ? "" : value.toString()));
        } else if (env instanceof List<?> lines) {
            for (Object line : lines) {
                String text = line.toString();
                int equals = text.indexOf('=');
                environment.put(equals < 0 ? text : text.substring(0, equals), equals < 0 ? "" : text.substring(equals + 1));
            }
        }
        List<SecretMount> secrets = new ArrayList<>();
        if (definition.get("secrets") instanceof List<?> list) {
            for (Object entry : list) {
                if (entry instanceof Map<?, ?> longForm) {
                    String source = longForm.get("source").toString();
                    Object target = longForm.get("target");
                    secrets.add(new SecretMount(source, target == null ? "/run/secrets/" + source
                            : target.toString().startsWith("/") ? target.toString() : "/run/secrets/" + target));
                } else {
                    secrets.add(new SecretMount(entry.toString(), "/run/secrets/" + entry));
                }
            }
        }
        List<String> volumes = new ArrayList<>();
        if (definition.get("volumes") instanceof List<?> list) {
            list.forEach(volume -> volumes.add(volume.toString()));
        }
        boolean healthCheck = definition.get("healthcheck") instanceof Map<?, ?> check
                && !Boolean.TRUE.equals(check.get("disable")) && check.get("test") != null;
        Object image = definition.get("image");
        boolean runsOnce = "no".equals(String.valueOf(definition.get("restart")));
        return new Service(name, image == null ? "" : image.toString(), environment, secrets, volumes, healthCheck,
                runsOnce);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value, String where) {
        if (!(value instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("Expected a mapping at " + where + ", found " + value);
        }
        return (Map<String, Object>) value;
    }
}
