package cn.ac.ihep.heps.agent.images.recipe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads {@code images-site.yaml}; problems name the file, line and field like recipe problems do. */
public final class SiteConfigLoader {

    public static final List<String> TOP_FIELDS = List.of("inputs", "build");
    public static final List<String> BUILD_FIELDS = List.of("flavor", "network", "keep", "lease",
            "build_timeout", "validation_timeout", "signal_auth_url", "signal_compute_url",
            "signal_credential_id", "signal_credential_secret", "package_proxy");

    public SiteConfig load(Path file) {
        List<RecipeProblem> problems = new ArrayList<>();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new RecipeException(List.of(new RecipeProblem(file.toString(), 0, "", "cannot read the site file: " + e.getMessage())));
        }
        YamlSource source = new YamlSource(file.toString(), problems);
        Map<String, Map<String, String>> inputs = new LinkedHashMap<>();
        Map<String, String> build = new LinkedHashMap<>();
        source.parse(text).flatMap(root -> source.mapping(root, "", TOP_FIELDS)).ifPresent(top -> {
            top.value("inputs").flatMap(node -> source.mapping(node, "inputs", null)).ifPresent(byComponent -> {
                for (String component : byComponent.names()) {
                    inputs.put(component, byComponent.stringMap(component));
                }
            });
            top.value("build").flatMap(node -> source.mapping(node, "build", BUILD_FIELDS))
                    .ifPresent(fields -> build.putAll(top.stringMap("build")));
        });
        if (!problems.isEmpty()) {
            throw new RecipeException(problems);
        }
        return new SiteConfig(inputs, build);
    }

    /** Site inputs that no component declares: a typo there would silently leave the default in place. */
    public List<RecipeProblem> unknownInputs(Path file, SiteConfig site, RecipeLibrary library) {
        List<RecipeProblem> problems = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> entry : site.inputs().entrySet()) {
            String key = entry.getKey();
            int at = key.indexOf('@');
            String componentName = at < 0 ? key : key.substring(0, at);
            Component component = library.components().get(componentName);
            if (component == null) {
                problems.add(new RecipeProblem(file.toString(), 0, "inputs." + key, "inputs." + key
                        + ": no component '" + componentName + "'" + NameSuggester.hint(componentName, library.components().keySet())));
                continue;
            }
            java.util.Set<String> declared = new java.util.TreeSet<>();
            for (OsFamily os : component.platforms().keySet()) {
                if (at < 0 || os.wireName().equals(key.substring(at + 1))) {
                    component.inputsFor(os).forEach(input -> declared.add(input.name()));
                }
            }
            for (String input : entry.getValue().keySet()) {
                if (!declared.contains(input)) {
                    problems.add(new RecipeProblem(file.toString(), 0, "inputs." + key + "." + input, "inputs." + key + "."
                            + input + ": component '" + componentName + "' has no such input" + NameSuggester.hint(input, declared)));
                }
            }
        }
        return problems;
    }
}
