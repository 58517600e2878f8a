package cn.ac.ihep.heps.agent.images.recipe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * JSON Schemas (draft 2020-12) of the recipe format, generated from {@link RecipeSchema} so an
 * editor's YAML support checks recipes as they are typed. The committed copies in
 * {@code images/schema/} are kept equal to these by a test. Cross-file rules (component
 * references, inputs, the signal budget) need the loader: {@code heps images validate}.
 */
public final class RecipeJsonSchema {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String DRAFT = "https://json-schema.org/draft/2020-12/schema";

    private RecipeJsonSchema() {
    }

    public static String component() {
        ObjectNode schema = object(RecipeSchema.COMPONENT_FIELDS, List.of("name", "version", "platforms"));
        schema.put("$schema", DRAFT);
        schema.put("title", "HEPS image component (images/components/<name>.yaml)");
        ObjectNode properties = (ObjectNode) schema.get("properties");
        properties.set("name", string(RecipeSchema.ID.pattern(), "Lower-case words joined by '-'; equals the file name."));
        properties.set("version", string(RecipeSchema.VERSION.pattern(), "Recorded in heps_components as name@version."));
        properties.set("description", string(null, null));
        properties.set("inputs", array(ref("input")));
        ObjectNode platforms = object(RecipeSchema.PLATFORM_NAMES, List.of());
        platforms.put("minProperties", 1);
        RecipeSchema.PLATFORM_NAMES.forEach(os -> ((ObjectNode) platforms.get("properties")).set(os, ref("platform")));
        properties.set("platforms", platforms);

        ObjectNode defs = schema.putObject("$defs");
        ObjectNode input = object(RecipeSchema.INPUT_FIELDS, List.of("name"));
        ObjectNode inputProperties = (ObjectNode) input.get("properties");
        inputProperties.set("name", string(RecipeSchema.INPUT_NAME.pattern(), "Becomes the environment variable NAME."));
        inputProperties.set("description", string(null, null));
        inputProperties.putObject("required").put("type", "boolean");
        inputProperties.set("default", string(null, null));
        inputProperties.putObject("secret").put("type", "boolean");
        inputProperties.putObject("site_provided").put("type", "boolean").put("description",
                "Only the site can give it (installer, licence server, mirror); unset, the component is skipped. No default.");
        defs.set("input", input);
        ObjectNode platform = object(RecipeSchema.PLATFORM_FIELDS, List.of("steps", "check"));
        ObjectNode platformProperties = (ObjectNode) platform.get("properties");
        platformProperties.set("version", string(RecipeSchema.VERSION.pattern(), null));
        platformProperties.set("inputs", array(ref("input")));
        ObjectNode steps = array(ref("step"));
        steps.put("minItems", 1);
        platformProperties.set("steps", steps);
        platformProperties.set("check", string(null, "Exits 0 (Linux) or does not throw (Windows) only when installed."));
        defs.set("platform", platform);
        ObjectNode step = object(RecipeSchema.STEP_FIELDS, List.of("name", "run"));
        ((ObjectNode) step.get("properties")).set("name", string(null, null));
        ((ObjectNode) step.get("properties")).set("run", string(null, "Shell on Linux, PowerShell on Windows."));
        defs.set("step", step);
        return write(schema);
    }

    public static String beamline() {
        ObjectNode schema = object(RecipeSchema.BEAMLINE_FIELDS, List.of("id", "base_image", "components"));
        schema.put("$schema", DRAFT);
        schema.put("title", "HEPS beamline image (images/beamlines/<id>.yaml)");
        ObjectNode properties = (ObjectNode) schema.get("properties");
        properties.set("id", string(RecipeSchema.ID.pattern(), "The beamline id (heps_beamline); equals the file name."));
        properties.set("title", string(null, null));
        ObjectNode base = object(RecipeSchema.BASE_IMAGE_FIELDS, RecipeSchema.BASE_IMAGE_FIELDS);
        ((ObjectNode) base.get("properties")).set("name", string(null, "Exactly one active Glance image has this name."));
        ObjectNode os = ((ObjectNode) base.get("properties")).putObject("os");
        os.put("type", "string");
        ArrayNode osNames = os.putArray("enum");
        RecipeSchema.PLATFORM_NAMES.forEach(osNames::add);
        properties.set("base_image", base);
        properties.putObject("gpu").put("type", "boolean");
        ObjectNode use = object(RecipeSchema.COMPONENT_USE_FIELDS, List.of("name"));
        ((ObjectNode) use.get("properties")).set("name", string(RecipeSchema.ID.pattern(), null));
        ((ObjectNode) use.get("properties")).set("inputs", stringMap());
        ObjectNode item = JSON.createObjectNode();
        ArrayNode oneOf = item.putArray("oneOf");
        oneOf.add(string(RecipeSchema.ID.pattern(), "A component name."));
        oneOf.add(use);
        ObjectNode components = array(item);
        components.put("minItems", 1);
        properties.set("components", components);
        ObjectNode imageProperties = stringMap();
        imageProperties.putObject("propertyNames").putObject("not").put("pattern", "^(heps_|os_type)");
        properties.set("image_properties", imageProperties);
        return write(schema);
    }

    private static ObjectNode object(List<String> fields, List<String> required) {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", "object");
        node.put("additionalProperties", false);
        if (!required.isEmpty()) {
            ArrayNode list = node.putArray("required");
            required.forEach(list::add);
        }
        ObjectNode properties = node.putObject("properties");
        fields.forEach(field -> properties.putObject(field));
        return node;
    }

    private static ObjectNode string(String pattern, String description) {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", "string");
        if (pattern != null) {
            node.put("pattern", "^" + pattern + "$");
        }
        if (description != null) {
            node.put("description", description);
        }
        return node;
    }

    private static ObjectNode array(ObjectNode items) {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", "array");
        node.set("items", items);
        return node;
    }

    private static ObjectNode stringMap() {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", "object");
        node.putObject("additionalProperties").put("type", "string");
        return node;
    }

    private static ObjectNode ref(String name) {
        ObjectNode node = JSON.createObjectNode();
        node.put("$ref", "#/$defs/" + name);
        return node;
    }

    private static String write(ObjectNode schema) {
        try {
            return JSON.writeValueAsString(schema) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
