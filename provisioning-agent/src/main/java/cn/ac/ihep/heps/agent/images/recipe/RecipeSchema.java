package cn.ac.ihep.heps.agent.images.recipe;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The recipe format: which fields each part of a recipe may have, and the shape of names.
 * The parsers check every file against it; {@code images/README.md} documents it.
 */
public final class RecipeSchema {

    public static final List<String> COMPONENT_FIELDS = List.of("name", "version", "description", "inputs", "platforms");
    public static final List<String> INPUT_FIELDS = List.of("name", "description", "required", "default", "secret", "site_provided");
    public static final List<String> PLATFORM_NAMES = List.of("linux", "windows");
    public static final List<String> PLATFORM_FIELDS = List.of("version", "inputs", "steps", "check");
    public static final List<String> STEP_FIELDS = List.of("name", "run");

    public static final List<String> BEAMLINE_FIELDS =
            List.of("id", "title", "base_image", "gpu", "components", "image_properties");
    public static final List<String> BASE_IMAGE_FIELDS = List.of("name", "os");
    public static final List<String> COMPONENT_USE_FIELDS = List.of("name", "inputs");

    /** Lower-case words joined by '-': safe in server names, image names, tags and file names. */
    public static final Pattern ID = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    public static final int MAX_ID_LENGTH = 40;
    /** Inputs become environment variables, so they are identifiers. */
    public static final Pattern INPUT_NAME = Pattern.compile("[a-z][a-z0-9_]*");
    public static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+~-]*");

    /** Set by the build itself; a recipe may not set them through {@code image_properties}. */
    public static final Set<String> RESERVED_PROPERTY_PREFIXES = Set.of("heps_", "os_type");

    private RecipeSchema() {
    }

    public static boolean isReservedProperty(String property) {
        return RESERVED_PROPERTY_PREFIXES.stream().anyMatch(property::startsWith);
    }
}
