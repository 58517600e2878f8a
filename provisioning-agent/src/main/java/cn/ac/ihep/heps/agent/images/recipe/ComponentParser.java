package cn.ac.ihep.heps.agent.images.recipe;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/** Reads one {@code images/components/<name>.yaml}, reporting every problem with its line. */
final class ComponentParser {

    Optional<Component> parse(YamlSource source, Node root, Path path, String expectedName) {
        Optional<YamlSource.Fields> top = source.mapping(root, "", RecipeSchema.COMPONENT_FIELDS);
        if (top.isEmpty()) {
            return Optional.empty();
        }
        YamlSource.Fields fields = top.get();
        Optional<String> name = fields.requiredString("name");
        name.ifPresent(value -> checkId(source, fields.value("name").orElseThrow(), "name", value));
        name.filter(value -> !value.equals(expectedName)).ifPresent(value -> source.problem(
                fields.value("name").orElseThrow(), "name",
                "field 'name' is '" + value + "' but the file is named '" + expectedName + ".yaml'; they must match"));
        Optional<String> version = fields.requiredString("version");
        version.ifPresent(value -> checkVersion(source, fields.value("version").orElseThrow(), "version", value));
        String description = fields.optionalString("description").orElse("");
        List<InputDeclaration> inputs = inputs(source, fields, "inputs", new HashSet<>());
        Map<OsFamily, PlatformRecipe> platforms = platforms(source, fields, inputs);
        if (name.isEmpty() || version.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Component(name.get(), version.get(), description, inputs, platforms, path));
    }

    private List<InputDeclaration> inputs(YamlSource source, YamlSource.Fields fields, String key, Set<String> seen) {
        List<InputDeclaration> inputs = new ArrayList<>();
        List<Node> items = fields.list(key, false);
        for (int i = 0; i < items.size(); i++) {
            String path = fields.path(key) + "[" + i + "]";
            Node item = items.get(i);
            source.mapping(item, path, RecipeSchema.INPUT_FIELDS).ifPresent(input -> {
                Optional<String> inputName = input.requiredString("name");
                boolean required = input.optionalBoolean("required", true);
                boolean secret = input.optionalBoolean("secret", false);
                boolean siteProvided = input.optionalBoolean("site_provided", false);
                String defaultValue = input.value("default").flatMap(v -> source.scalar(v, input.path("default"))).orElse(null);
                String description = input.optionalString("description").orElse("");
                inputName.ifPresent(value -> {
                    Node at = input.value("name").orElseThrow();
                    if (!RecipeSchema.INPUT_NAME.matcher(value).matches()) {
                        source.problem(at, input.path("name"), "input name '" + value
                                + "' must be lower-case letters, digits and '_' (it becomes an environment variable)");
                    } else if (!seen.add(value)) {
                        source.problem(at, input.path("name"), "input '" + value + "' is declared twice");
                    } else {
                        if (secret && defaultValue != null) {
                            source.problem(at, input.path("default"), "secret input '" + value + "' must not have a default");
                        }
                        // A default would stand in for the site's value, so the component would never be skipped.
                        if (siteProvided && defaultValue != null) {
                            source.problem(input.value("default").orElseThrow(), input.path("default"), "site-provided input '" + value
                                    + "' must not have a default: only the site can give its value");
                        }
                        inputs.add(new InputDeclaration(value, description, required, defaultValue, secret, siteProvided));
                    }
                });
            });
        }
        return inputs;
    }

    private Map<OsFamily, PlatformRecipe> platforms(YamlSource source, YamlSource.Fields fields, List<InputDeclaration> shared) {
        Map<OsFamily, PlatformRecipe> platforms = new EnumMap<>(OsFamily.class);
        fields.required("platforms").flatMap(node -> source.mapping(node, "platforms", RecipeSchema.PLATFORM_NAMES))
                .ifPresent(byOs -> {
                    if (byOs.names().isEmpty()) {
                        source.problem(byOs.node(), "platforms", "'platforms' must name at least one of linux, windows");
                    }
                    for (String osName : byOs.names()) {
                        OsFamily os = OsFamily.fromWireName(osName).orElseThrow();
                        byOs.value(osName)
                                .flatMap(node -> source.mapping(node, byOs.path(osName), RecipeSchema.PLATFORM_FIELDS))
                                .flatMap(platform -> platform(source, os, platform, shared))
                                .ifPresent(platform -> platforms.put(os, platform));
                    }
                });
        return platforms;
    }

    private Optional<PlatformRecipe> platform(YamlSource source, OsFamily os, YamlSource.Fields fields, List<InputDeclaration> shared) {
        Optional<String> version = fields.optionalString("version");
        Set<String> seen = new HashSet<>();
        shared.forEach(input -> seen.add(input.name()));
        List<InputDeclaration> inputs = inputs(source, fields, "inputs", seen);
        version.ifPresent(value -> checkVersion(source, fields.value("version").orElseThrow(), fields.path("version"), value));
        List<Step> steps = new ArrayList<>();
        List<Node> items = fields.list("steps", true);
        if (items.isEmpty() && fields.value("steps").isPresent()) {
            source.problem(fields.value("steps").get(), fields.path("steps"), "'" + fields.path("steps") + "' must list at least one step");
        }
        for (int i = 0; i < items.size(); i++) {
            String path = fields.path("steps") + "[" + i + "]";
            source.mapping(items.get(i), path, RecipeSchema.STEP_FIELDS).ifPresent(step -> {
                Optional<String> stepName = step.requiredString("name");
                Optional<String> run = step.requiredString("run");
                if (stepName.isPresent() && run.isPresent()) {
                    steps.add(new Step(stepName.get(), run.get()));
                }
            });
        }
        Optional<String> check = fields.requiredString("check");
        if (check.isEmpty() || steps.size() != items.size() || items.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new PlatformRecipe(os, version.orElse(null), inputs, steps, check.get()));
    }

    static void checkId(YamlSource source, Node at, String field, String value) {
        if (!RecipeSchema.ID.matcher(value).matches() || value.length() > RecipeSchema.MAX_ID_LENGTH) {
            source.problem(at, field, "'" + field + "' is '" + value + "': use lower-case letters, digits and '-', at most "
                    + RecipeSchema.MAX_ID_LENGTH + " characters");
        }
    }

    static void checkVersion(YamlSource source, Node at, String field, String value) {
        if (!RecipeSchema.VERSION.matcher(value).matches()) {
            source.problem(at, field, "'" + field + "' is '" + value + "': a version is letters, digits and . _ + ~ -");
        }
    }
}
