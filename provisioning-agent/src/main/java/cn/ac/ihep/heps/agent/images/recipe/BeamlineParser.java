package cn.ac.ihep.heps.agent.images.recipe;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/** Reads one {@code images/beamlines/<id>.yaml} and checks it against the components that exist. */
final class BeamlineParser {

    /**
     * The completion signal lists every component's check result and must fit in one Nova
     * metadata value (255 characters), so the component names of one beamline are bounded.
     */
    static final int MAX_COMPONENT_NAME_CHARS = 180;

    private final Map<String, Component> components;

    BeamlineParser(Map<String, Component> components) {
        this.components = components;
    }

    Optional<BeamlineRecipe> parse(YamlSource source, Node root, Path path, String expectedId) {
        Optional<YamlSource.Fields> top = source.mapping(root, "", RecipeSchema.BEAMLINE_FIELDS);
        if (top.isEmpty()) {
            return Optional.empty();
        }
        YamlSource.Fields fields = top.get();
        Optional<String> id = fields.requiredString("id");
        id.ifPresent(value -> ComponentParser.checkId(source, fields.value("id").orElseThrow(), "id", value));
        id.filter(value -> !value.equals(expectedId)).ifPresent(value -> source.problem(
                fields.value("id").orElseThrow(), "id",
                "field 'id' is '" + value + "' but the file is named '" + expectedId + ".yaml'; they must match"));
        String title = fields.optionalString("title").orElse(id.orElse(expectedId));
        Optional<BaseImage> baseImage = fields.required("base_image")
                .flatMap(node -> source.mapping(node, "base_image", RecipeSchema.BASE_IMAGE_FIELDS))
                .flatMap(base -> baseImage(source, base));
        boolean gpu = fields.optionalBoolean("gpu", false);
        Map<String, String> properties = fields.stringMap("image_properties");
        fields.value("image_properties").flatMap(node -> source.mapping(node, "image_properties", null)).ifPresent(props -> {
            for (String property : props.names()) {
                if (RecipeSchema.isReservedProperty(property)) {
                    source.problem(props.keyNode(property), props.path(property), "property '" + property
                            + "' is set by the build (heps_* and os_type); remove it from image_properties");
                }
            }
        });
        List<ComponentUse> uses = componentUses(source, fields, baseImage.map(BaseImage::os));
        if (id.isEmpty() || baseImage.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new BeamlineRecipe(id.get(), title, baseImage.get(), gpu, uses, properties, path));
    }

    private Optional<BaseImage> baseImage(YamlSource source, YamlSource.Fields base) {
        Optional<String> name = base.requiredString("name");
        Optional<String> osName = base.requiredString("os");
        Optional<OsFamily> os = osName.flatMap(value -> {
            Optional<OsFamily> family = OsFamily.fromWireName(value);
            if (family.isEmpty()) {
                source.problem(base.value("os").orElseThrow(), "base_image.os", "'base_image.os' is '" + value
                        + "': it must be linux or windows" + NameSuggester.hint(value, RecipeSchema.PLATFORM_NAMES));
            }
            return family;
        });
        if (name.isEmpty() || os.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new BaseImage(name.get(), os.get()));
    }

    private List<ComponentUse> componentUses(YamlSource source, YamlSource.Fields fields, Optional<OsFamily> os) {
        List<ComponentUse> uses = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<Node> items = fields.list("components", true);
        if (items.isEmpty() && fields.value("components").isPresent()) {
            source.problem(fields.value("components").get(), "components", "'components' must list at least one component");
        }
        int nameChars = 0;
        for (int i = 0; i < items.size(); i++) {
            String path = "components[" + i + "]";
            Node item = items.get(i);
            Optional<ComponentUse> use = componentUse(source, item, path);
            if (use.isEmpty()) {
                continue;
            }
            String name = use.get().name();
            nameChars += name.length() + 1;
            Component component = components.get(name);
            if (component == null) {
                source.problem(item, path, "component '" + name + "' does not exist in images/components"
                        + NameSuggester.hint(name, components.keySet()));
                continue;
            }
            if (!seen.add(name)) {
                source.problem(item, path, "component '" + name + "' is listed twice");
                continue;
            }
            if (component.platforms().isEmpty()) {
                continue; // its own file's problems are reported already
            }
            if (os.isPresent() && component.platform(os.get()).isEmpty()) {
                source.problem(item, path, "component '" + name + "' has no steps for " + os.get().wireName()
                        + " (it supports " + component.platforms().keySet().stream().map(OsFamily::wireName).sorted().toList() + ")");
                continue;
            }
            for (String inputName : os.isPresent() ? use.get().inputs().keySet() : java.util.Set.<String>of()) {
                OsFamily family = os.orElseThrow();
                if (component.input(family, inputName).isEmpty()) {
                    source.problem(item, path + ".inputs." + inputName, "component '" + name + "' has no input '" + inputName + "'"
                            + NameSuggester.hint(inputName, component.inputsFor(family).stream().map(InputDeclaration::name).toList()));
                }
            }
            uses.add(use.get());
        }
        if (nameChars > MAX_COMPONENT_NAME_CHARS) {
            source.problem(fields.value("components").orElse(fields.node()), "components", "the component names add up to "
                    + nameChars + " characters; at most " + MAX_COMPONENT_NAME_CHARS
                    + " fit in the build's completion signal: merge components or shorten their names");
        }
        return uses;
    }

    private Optional<ComponentUse> componentUse(YamlSource source, Node item, String path) {
        if (item instanceof ScalarNode) {
            return source.scalar(item, path).map(name -> new ComponentUse(name, Map.of()));
        }
        return source.mapping(item, path, RecipeSchema.COMPONENT_USE_FIELDS).flatMap(use -> {
            Optional<String> name = use.requiredString("name");
            Map<String, String> inputs = new LinkedHashMap<>(use.stringMap("inputs"));
            return name.map(value -> new ComponentUse(value, inputs));
        });
    }
}
