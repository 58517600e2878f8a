package cn.ac.ihep.heps.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local Guacamole's environment ({@code dev/guacamole/environment}, {@code export NAME="value"}
 * lines) against the Guacamole service of docker-compose.yml: one configuration, two places.
 * Both must set the same variables; where compose fixes a value (no {@code ${SITE_…}} for the
 * site to choose, no path inside the container), the local stack must use that value too.
 */
record LocalStackEnvironment(Map<String, String> variables) {

    private static final Pattern EXPORT = Pattern.compile("^export ([A-Z][A-Z0-9_]*)=\"([^\"]*)\"\\s*$");

    /** The variables both must agree on: ours, and the Guacamole features compose turns on. */
    static boolean compared(String name) {
        return name.startsWith("HEPS_") || name.startsWith("BAN_") || name.startsWith("RECORDING_")
                || name.equals("EXTENSION_PRIORITY") || name.equals("REMOTE_IP_VALVE_ENABLED");
    }

    static LocalStackEnvironment read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    static LocalStackEnvironment parse(String text) {
        Map<String, String> variables = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            Matcher matcher = EXPORT.matcher(line);
            if (matcher.matches()) {
                variables.put(matcher.group(1), matcher.group(2));
            }
        }
        return new LocalStackEnvironment(variables);
    }

    /** Each disagreement with the compose service's environment, as a sentence. */
    List<String> disagreementsWith(Map<String, String> compose) {
        List<String> problems = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>();
        compose.keySet().stream().filter(LocalStackEnvironment::compared).forEach(names::add);
        variables.keySet().stream().filter(LocalStackEnvironment::compared).forEach(names::add);
        for (String name : names) {
            String composed = compose.get(name);
            String local = variables.get(name);
            if (local == null) {
                problems.add(name + " is set by docker-compose.yml but not by dev/guacamole/environment");
            } else if (composed == null) {
                problems.add(name + " is set by dev/guacamole/environment but not by docker-compose.yml");
            } else if (!composed.contains("${") && !composed.startsWith("/") && !composed.equals(local)) {
                problems.add(name + " is \"" + composed + "\" in docker-compose.yml but \"" + local
                        + "\" in dev/guacamole/environment");
            }
        }
        return problems;
    }
}
