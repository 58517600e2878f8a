package cn.ac.ihep.heps.deploy;

import cn.ac.ihep.heps.deploy.ComposeFile.Service;
import cn.ac.ihep.heps.deploy.PropertyTable.DocumentedProperty;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Checks a compose file against the modules it configures and lists every problem found, each
 * in words an operator can act on. An empty list means the file is consistent.
 */
final class DeploymentCheck {

    /**
     * A compose service that runs our code: which modules' property tables govern its
     * {@code HEPS_*} variables, whether it reads {@code <VARIABLE>_FILE} secrets (the agent does),
     * and whether it is the Guacamole web application (extensions, guacamole.properties secret).
     */
    record ServiceSpec(String service, List<String> modules, boolean readsFileVariants, boolean guacamole) {
    }

    static final List<ServiceSpec> HEPS_SERVICES = List.of(
            new ServiceSpec("guacamole", List.of("guacamole-auth-heps", "guacamole-vm-resolver"), false, true),
            new ServiceSpec("agent", List.of("provisioning-agent"), true, false));

    /** Extension namespaces shipped inside the guacamole/guacamole image that may appear in extension-priority. */
    private static final Set<String> IMAGE_NAMESPACES = Set.of("ban", "postgresql", "mysql", "sqlserver", "ldap",
            "openid", "saml", "cas", "totp", "duo", "header", "json", "quickconnect", "radius", "restrict",
            "ssl", "display-statistics", "history-recording-storage", "ksm");

    private static final Pattern SECRET_NAME = Pattern.compile(".*(^|_)(PASSWORD|PASSWD|SECRET|TOKENS?)$");
    private static final Pattern DECLARED_PROPERTY =
            Pattern.compile("(\\w+)\\s*=\\s*\\w+\\(\\s*\"(heps-[a-z0-9-]+)\"\\s*\\)");
    private static final Pattern REQUIRED_CALL = Pattern.compile("required\\(\\s*(\\w+)\\s*,\\s*\"([^\"]*)\"");
    private static final Pattern CONDITION = Pattern.compile("when (heps-[a-z0-9-]+) is (\\S+)");
    private static final Pattern NAMESPACE = Pattern.compile("\"namespace\"\\s*:\\s*\"([^\"]+)\"");

    private final Path root;
    private final ComposeFile compose;
    private final List<ServiceSpec> specs;
    private final List<String> problems = new ArrayList<>();

    DeploymentCheck(Path root, ComposeFile compose, List<ServiceSpec> specs) {
        this.root = root;
        this.compose = compose;
        this.specs = specs;
    }

    List<String> run() throws IOException {
        checkGuacamoleImagesMatchTheBuild();
        checkEveryServiceHasHealthCheck();
        checkNoInlineSecrets();
        checkSecretFilesHaveExamples();
        for (ServiceSpec spec : specs) {
            Service service = compose.services().get(spec.service());
            if (service == null) {
                problems.add("docker-compose.yml has no service \"" + spec.service() + "\"");
                continue;
            }
            checkService(spec, service);
        }
        return List.copyOf(problems);
    }

    /** guacd and the web application must be the release our extensions are built against. */
    private void checkGuacamoleImagesMatchTheBuild() throws IOException {
        String version = rootProperty("guacamole.version");
        for (Service service : compose.services().values()) {
            String image = service.image();
            if (image.startsWith("guacamole/guacamole") || image.startsWith("guacamole/guacd")) {
                String expected = image.replaceAll(":.*$", "") + ":" + version;
                if (!image.equals(expected)) {
                    problems.add("Service \"" + service.name() + "\" runs " + image + "; the extensions are built against "
                            + "Guacamole " + version + " (guacamole.version in pom.xml): use " + expected);
                }
            }
        }
    }

    private String rootProperty(String name) throws IOException {
        Matcher value = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(
                Files.readString(root.resolve("pom.xml"), StandardCharsets.UTF_8));
        if (!value.find()) {
            throw new IOException("Cannot find <" + name + "> in " + root.resolve("pom.xml"));
        }
        return value.group(1).trim();
    }

    /** A service that runs once to completion is waited for by its exit, not its health. */
    private void checkEveryServiceHasHealthCheck() {
        compose.services().values().stream().filter(s -> !s.hasHealthCheck() && !s.runsOnce()).forEach(s ->
                problems.add("Service \"" + s.name() + "\" has no health check"));
    }

    private void checkNoInlineSecrets() {
        for (Service service : compose.services().values()) {
            service.environment().keySet().stream().filter(v -> SECRET_NAME.matcher(v).matches()).forEach(v ->
                    problems.add("Service \"" + service.name() + "\" sets the secret " + v
                            + " inline; hand it over as a file (compose secret, " + v + "_FILE or guacamole.properties)"));
        }
    }

    private void checkSecretFilesHaveExamples() {
        compose.secretFiles().forEach((name, file) -> {
            if (!Files.isRegularFile(Path.of(file + ".example"))) {
                problems.add("Secret \"" + name + "\" (" + root.relativize(file) + ") has no committed "
                        + root.relativize(file) + ".example");
            }
        });
    }

    private void checkService(ServiceSpec spec, Service service) throws IOException {
        Map<String, DocumentedProperty> documented = new LinkedHashMap<>();
        for (String module : spec.modules()) {
            PropertyTable table = PropertyTable.read(root, module);
            if (table.byEnvironmentVariable().isEmpty()) {
                problems.add(module + "/README.md has no property table (property name and environment variable "
                        + "per row), so nothing \"" + spec.service() + "\" sets can be checked against it");
            }
            documented.putAll(table.byEnvironmentVariable());
        }
        Map<String, String> fileProperties = spec.guacamole() ? guacamolePropertiesSecret(service) : Map.of();

        Set<String> set = new LinkedHashSet<>();
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : service.environment().entrySet()) {
            String variable = entry.getKey();
            if (!variable.startsWith("HEPS_")) {
                continue;
            }
            String base = spec.readsFileVariants() && variable.endsWith("_FILE")
                    ? variable.substring(0, variable.length() - "_FILE".length()) : variable;
            if (!documented.containsKey(base)) {
                problems.add("Service \"" + spec.service() + "\" sets " + variable + ", which is not in the property "
                        + "table of " + String.join(" or ", readmes(spec)));
            }
            if (!service.resolved(variable).orElse("").isBlank()) {
                set.add(base);
                values.put(base, service.resolved(variable).orElse(""));
            }
        }
        for (Map.Entry<String, String> entry : fileProperties.entrySet()) {
            String variable = entry.getKey().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
            if (entry.getKey().startsWith("heps-") && !documented.containsKey(variable)) {
                problems.add("guacamole.properties secret sets " + entry.getKey() + ", which is not in the property "
                        + "table of " + String.join(" or ", readmes(spec)));
            }
            if (service.environment().containsKey(variable)) {
                problems.add(entry.getKey() + " is set both in the guacamole.properties secret and as " + variable
                        + " in docker-compose.yml; set it in one place");
            }
            if (!entry.getValue().isBlank()) {
                set.add(variable);
                values.put(variable, entry.getValue());
            }
        }

        Map<String, String> required = new LinkedHashMap<>();
        documented.values().stream().filter(DocumentedProperty::required).forEach(p ->
                required.put(p.environmentVariable(), p.name() + " (marked required in " + p.module() + "/README.md)"));
        if (spec.guacamole()) {
            for (String module : spec.modules()) {
                requiredByConfigurationService(module, values).forEach((variable, why) -> required.putIfAbsent(variable, why));
            }
        }
        required.forEach((variable, why) -> {
            if (!set.contains(variable)) {
                problems.add("Service \"" + spec.service() + "\" does not set " + variable + ": " + why);
            }
        });

        if (spec.guacamole()) {
            checkExtensions(spec, service);
        }
    }

    private List<String> readmes(ServiceSpec spec) {
        return spec.modules().stream().map(m -> m + "/README.md").toList();
    }

    /** The keys of the secret mounted as the template's guacamole.properties, read from its committed example. */
    private Map<String, String> guacamolePropertiesSecret(Service service) throws IOException {
        Optional<ComposeFile.SecretMount> mount = service.secretAt("/guacamole.properties");
        if (mount.isEmpty()) {
            return Map.of();
        }
        Path file = compose.secretFiles().get(mount.get().source());
        Path example = file == null ? null : Path.of(file + ".example");
        if (example == null || !Files.isRegularFile(example)) {
            return Map.of();
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(example, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, String> values = new LinkedHashMap<>();
        properties.stringPropertyNames().stream().sorted().forEach(k -> values.put(k, properties.getProperty(k).trim()));
        return values;
    }

    /**
     * Properties a Guacamole extension's configuration class insists on: a
     * {@code required(PROPERTY, "reason")} call, unless its reason is a condition that does not
     * hold for the values set ("when heps-replay-store is redis", "when heps-ldap-urls is set").
     */
    Map<String, String> requiredByConfigurationService(String module, Map<String, String> values) throws IOException {
        Map<String, String> required = new LinkedHashMap<>();
        Path sources = root.resolve(module).resolve("src/main/java");
        if (!Files.isDirectory(sources)) {
            return required;
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(p -> p.getFileName().toString().equals("ConfigurationService.java")).toList();
        }
        for (Path file : files) {
            String source = Files.readString(file, StandardCharsets.UTF_8);
            Map<String, String> constants = new LinkedHashMap<>();
            Matcher declared = DECLARED_PROPERTY.matcher(source);
            while (declared.find()) {
                constants.put(declared.group(1), declared.group(2));
            }
            Matcher call = REQUIRED_CALL.matcher(source);
            while (call.find()) {
                String property = constants.get(call.group(1));
                if (property != null && conditionHolds(call.group(2).trim(), values)) {
                    required.put(property.toUpperCase(java.util.Locale.ROOT).replace('-', '_'),
                            property + " (required " + call.group(2) + ", " + root.relativize(file) + ")");
                }
            }
        }
        return required;
    }

    /** Whether a {@code required(…)} reason applies; a reason that is no "when" condition always does. */
    static boolean conditionHolds(String reason, Map<String, String> values) {
        Matcher condition = CONDITION.matcher(reason);
        if (!reason.startsWith("when ")) {
            return true;
        }
        if (!condition.matches()) {
            return true;
        }
        String value = values.getOrDefault(
                condition.group(1).toUpperCase(java.util.Locale.ROOT).replace('-', '_'), "").trim();
        return condition.group(2).equals("set") ? !value.isEmpty() : value.equals(condition.group(2));
    }

    private void checkExtensions(ServiceSpec spec, Service service) throws IOException {
        String home = service.resolved("GUACAMOLE_HOME").orElse("/etc/guacamole");
        List<String> priority = Arrays.stream(service.resolved("EXTENSION_PRIORITY").orElse("").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (!"true".equals(service.resolved("BAN_ENABLED").orElse(""))) {
            problems.add("Service \"" + spec.service() + "\" must enable guacamole-auth-ban: BAN_ENABLED: \"true\"");
        }
        String version = rootVersion();
        for (String module : spec.modules()) {
            Path manifest = root.resolve(module).resolve("src/main/resources/guac-manifest.json");
            if (!Files.isRegularFile(manifest)) {
                problems.add(module + " has no src/main/resources/guac-manifest.json, so its namespace is unknown");
                continue;
            }
            Matcher namespace = NAMESPACE.matcher(Files.readString(manifest, StandardCharsets.UTF_8));
            if (!namespace.find()) {
                problems.add(root.relativize(manifest) + " names no namespace");
                continue;
            }
            String name = namespace.group(1);
            int position = priority.indexOf(name);
            if (position < 0) {
                problems.add("EXTENSION_PRIORITY does not list \"" + name + "\" (namespace of " + module + ")");
            } else if (priority.indexOf("ban") < 0 || priority.indexOf("ban") > position) {
                problems.add("EXTENSION_PRIORITY must list \"ban\" before \"" + name + "\"");
            }
            String jar = "./" + module + "/target/" + module + "-" + version + ".jar";
            boolean mounted = service.volumes().stream().anyMatch(v -> v.startsWith(jar + ":" + home + "/extensions/")
                    && v.split(":")[1].endsWith(".jar"));
            if (!mounted) {
                problems.add("Service \"" + spec.service() + "\" does not mount " + jar + " into " + home
                        + "/extensions/ (the jar name follows the version in pom.xml)");
            }
        }
        Set<String> ours = new LinkedHashSet<>();
        for (String module : spec.modules()) {
            Path manifest = root.resolve(module).resolve("src/main/resources/guac-manifest.json");
            if (Files.isRegularFile(manifest)) {
                Matcher namespace = NAMESPACE.matcher(Files.readString(manifest, StandardCharsets.UTF_8));
                if (namespace.find()) {
                    ours.add(namespace.group(1));
                }
            }
        }
        String unknown = priority.stream().filter(n -> !n.equals("*") && !ours.contains(n) && !IMAGE_NAMESPACES.contains(n))
                .collect(Collectors.joining(", "));
        if (!unknown.isEmpty()) {
            problems.add("EXTENSION_PRIORITY names namespaces no installed extension has: " + unknown);
        }
    }

    private String rootVersion() throws IOException {
        String pom = Files.readString(root.resolve("pom.xml"), StandardCharsets.UTF_8);
        Matcher version = Pattern.compile("</artifactId>\\s*<version>([^<]+)</version>").matcher(
                pom.substring(pom.indexOf("<artifactId>heps-cloud-desktop</artifactId>")));
        if (!version.find()) {
            throw new IOException("Cannot find the project version in " + root.resolve("pom.xml"));
        }
        return version.group(1).trim();
    }
}
