package cn.ac.ihep.heps.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The properties a module documents: every row of a Markdown table in its README that names a
 * property and its environment variable. A row is required when a "Required" column says so, or
 * when a cell says just "required" (a conditional "required when …" does not count).
 */
record PropertyTable(String module, Map<String, DocumentedProperty> byEnvironmentVariable) {

    record DocumentedProperty(String module, String name, String environmentVariable, boolean required) {
    }

    private static final Pattern ENVIRONMENT_VARIABLE = Pattern.compile("([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)");
    private static final Pattern PROPERTY = Pattern.compile("^`?([a-z][a-z0-9]*(?:[-.][a-z0-9]+)*)`?$");
    private static final Pattern QUOTED = Pattern.compile("`([a-z][a-z0-9]*(?:[-.][a-z0-9]+)*)`");
    /** "(required)" or "**required**" inside a cell, e.g. after the property name. */
    private static final Pattern REQUIRED_MARK = Pattern.compile("(?i).*(\\(required\\)|\\*\\*required\\*\\*).*");
    private static final List<String> YES = List.of("yes", "required", "true", "x", "✓", "✔");

    static PropertyTable read(Path repositoryRoot, String module) throws IOException {
        Path readme = repositoryRoot.resolve(module).resolve("README.md");
        if (!Files.isRegularFile(readme)) {
            return new PropertyTable(module, Map.of());
        }
        return parse(module, Files.readAllLines(readme, StandardCharsets.UTF_8));
    }

    static PropertyTable parse(String module, List<String> lines) {
        Map<String, DocumentedProperty> properties = new LinkedHashMap<>();
        List<String> header = List.of();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (!line.startsWith("|")) {
                header = List.of();
                continue;
            }
            List<String> cells = cells(line);
            if (header.isEmpty()) {
                boolean separatorFollows = i + 1 < lines.size() && lines.get(i + 1).trim().matches("\\|?[\\s:|-]+\\|?");
                if (separatorFollows) {
                    header = cells;
                    i++;
                }
                continue;
            }
            row(module, header, cells).ifPresent(p -> properties.putIfAbsent(p.environmentVariable(), p));
        }
        return new PropertyTable(module, properties);
    }

    private static Optional<DocumentedProperty> row(String module, List<String> header, List<String> cells) {
        String variable = null;
        for (String cell : cells) {
            Matcher environment = ENVIRONMENT_VARIABLE.matcher(cell.replace("`", "").trim());
            if (environment.matches()) {
                variable = environment.group(1);
                break;
            }
        }
        String name = null;
        for (String cell : cells) {
            if (variable == null || name != null) {
                break;
            }
            Matcher property = PROPERTY.matcher(cell.trim());
            if (property.matches() && matches(property.group(1), variable)) {
                name = property.group(1);
            }
            Matcher quoted = QUOTED.matcher(cell);
            while (name == null && quoted.find()) {
                if (matches(quoted.group(1), variable)) {
                    name = quoted.group(1);
                }
            }
        }
        if (name == null) {
            return Optional.empty();
        }
        boolean required = false;
        for (int c = 0; c < cells.size(); c++) {
            String plain = cells.get(c).replaceAll("[^\\p{L}✓✔]", "").toLowerCase(Locale.ROOT);
            boolean requiredColumn = c < header.size() && header.get(c).toLowerCase(Locale.ROOT).contains("required");
            if (requiredColumn ? YES.contains(plain) : plain.equals("required") || REQUIRED_MARK.matcher(cells.get(c)).matches()) {
                required = true;
            }
        }
        return Optional.of(new DocumentedProperty(module, name, variable, required));
    }

    /** Guacamole's mapping ({@code heps-jwt-issuer} → {@code HEPS_JWT_ISSUER}), or the agent's ({@code HEPS_} prefix added). */
    static boolean matches(String property, String variable) {
        String canonical = property.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
        return variable.equals(canonical) || variable.equals("HEPS_" + canonical);
    }

    private static List<String> cells(String line) {
        String inner = line.substring(1, line.endsWith("|") && line.length() > 1 ? line.length() - 1 : line.length());
        List<String> cells = new ArrayList<>();
        for (String cell : inner.split("(?<!\\\\)\\|", -1)) {
            cells.add(cell.trim());
        }
        return cells;
    }
}
