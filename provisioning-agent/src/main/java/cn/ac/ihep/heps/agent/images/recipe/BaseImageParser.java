package cn.ac.ihep.heps.agent.images.recipe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;

/** Reads one {@code images/base/<name>.yaml}; every problem names the file, line and field. */
public final class BaseImageParser {

    /** The directory of base recipes inside {@code images/}. */
    public static final String BASE_DIR = "base";

    static final List<String> FIELDS = List.of("name", "description", "os", "suite", "mirrors", "disk_size_gib",
            "kernel_arguments", "packages", "setup");

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9.-]*");
    private static final Pattern PACKAGE = Pattern.compile("[a-z0-9][a-z0-9+.-]+");
    private static final Pattern SUITE = Pattern.compile("[a-z0-9][a-z0-9-]*");
    private static final Pattern MIRROR = Pattern.compile("https?://\\S+(\\s+[a-z0-9][a-z0-9-]*)+");
    private static final int MAX_DISK_GIB = 64;

    /**
     * Every recipe in {@code images/base}, in file-name order (none when the directory does not
     * exist), or a {@link RecipeException} listing every problem in every file.
     */
    public List<BaseImageRecipe> loadAll(Path imagesDir) {
        Path absolute = imagesDir.toAbsolutePath().normalize();
        Path dir = absolute.resolve(BASE_DIR);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> files;
        try (java.util.stream.Stream<Path> list = Files.list(dir)) {
            files = list.filter(file -> file.getFileName().toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("Cannot list " + dir, e);
        }
        Path displayBase = absolute.getParent() == null ? absolute : absolute.getParent();
        List<BaseImageRecipe> recipes = new ArrayList<>();
        List<RecipeProblem> problems = new ArrayList<>();
        for (Path file : files) {
            try {
                recipes.add(load(file, displayBase.relativize(file).toString()));
            } catch (RecipeException e) {
                problems.addAll(e.problems());
            }
        }
        if (!problems.isEmpty()) {
            throw new RecipeException(problems);
        }
        return recipes;
    }

    /** The recipe in {@code file}, or a {@link RecipeException} listing every problem in it. */
    public BaseImageRecipe load(Path file) {
        return load(file, file.toString());
    }

    private BaseImageRecipe load(Path file, String display) {
        List<RecipeProblem> problems = new ArrayList<>();
        YamlSource source = new YamlSource(display, problems);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            problems.add(new RecipeProblem(display, 0, "", "cannot read the file: " + e.getMessage()));
            throw new RecipeException(problems);
        }
        String fileName = file.getFileName().toString();
        String expectedName = fileName.endsWith(".yaml") ? fileName.substring(0, fileName.length() - 5) : fileName;
        Optional<BaseImageRecipe> recipe = source.parse(text).flatMap(root -> parse(source, root, file, expectedName));
        if (!problems.isEmpty() || recipe.isEmpty()) {
            throw new RecipeException(problems);
        }
        return recipe.get();
    }

    private Optional<BaseImageRecipe> parse(YamlSource source, Node root, Path file, String fileName) {
        Optional<YamlSource.Fields> top = source.mapping(root, "", FIELDS);
        if (top.isEmpty()) {
            return Optional.empty();
        }
        YamlSource.Fields fields = top.get();
        Optional<String> name = fields.requiredString("name").filter(value -> matches(source, fields, "name", value, NAME,
                "lower-case letters, digits, '.' and '-'"));
        String description = fields.optionalString("description").orElse("");
        Optional<OsFamily> os = fields.requiredString("os").flatMap(value -> {
            if (!value.equals(OsFamily.LINUX.wireName())) {
                source.problem(fields.value("os").orElseThrow(), "os", "'os' is '" + value
                        + "': base images are built from a Linux distribution's packages, so it must be linux");
                return Optional.empty();
            }
            return OsFamily.fromWireName(value);
        });
        Optional<String> suite = fields.requiredString("suite").filter(value -> matches(source, fields, "suite", value, SUITE,
                "a suite name such as bookworm"));
        List<String> mirrors = strings(source, fields, "mirrors", MIRROR, "'URL SUITE...', e.g. 'http://deb.debian.org/debian bookworm'");
        List<String> packages = strings(source, fields, "packages", PACKAGE, "a Debian package name");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < packages.size(); i++) {
            if (!seen.add(packages.get(i))) {
                source.problem(fields.value("packages").orElseThrow(), "packages", "package '" + packages.get(i) + "' is listed twice");
            }
        }
        Optional<Integer> disk = fields.requiredString("disk_size_gib").flatMap(value -> {
            try {
                int gib = Integer.parseInt(value);
                if (gib >= 1 && gib <= MAX_DISK_GIB) {
                    return Optional.of(gib);
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            source.problem(fields.value("disk_size_gib").orElseThrow(), "disk_size_gib",
                    "'disk_size_gib' is '" + value + "': a whole number of GiB from 1 to " + MAX_DISK_GIB);
            return Optional.empty();
        });
        String kernelArguments = fields.optionalString("kernel_arguments").orElse("");
        String setup = fields.optionalString("setup").orElse("");
        name.filter(value -> !value.equals(fileName)).ifPresent(value -> source.problem(fields.value("name").orElseThrow(), "name",
                "field 'name' is '" + value + "' but the file is named '" + fileName + ".yaml'; they must match"));
        if (name.isEmpty() || os.isEmpty() || suite.isEmpty() || disk.isEmpty() || mirrors.isEmpty() || packages.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new BaseImageRecipe(name.get(), description, os.get(), suite.get(), mirrors, disk.get(),
                kernelArguments, packages, setup, file));
    }

    private static boolean matches(YamlSource source, YamlSource.Fields fields, String key, String value, Pattern pattern, String what) {
        if (pattern.matcher(value).matches()) {
            return true;
        }
        source.problem(fields.value(key).orElseThrow(), key, "'" + key + "' is '" + value + "': expected " + what);
        return false;
    }

    private static List<String> strings(YamlSource source, YamlSource.Fields fields, String key, Pattern pattern, String what) {
        List<String> values = new ArrayList<>();
        List<Node> items = fields.list(key, true);
        if (items.isEmpty() && fields.value(key).isPresent()) {
            source.problem(fields.value(key).get(), key, "'" + key + "' must list at least one entry");
        }
        for (int i = 0; i < items.size(); i++) {
            String path = key + "[" + i + "]";
            Node item = items.get(i);
            source.scalar(item, path).map(String::trim).ifPresent(value -> {
                if (pattern.matcher(value).matches()) {
                    values.add(value);
                } else {
                    source.problem(item, path, "'" + path + "' is '" + value + "': expected " + what);
                }
            });
        }
        return values;
    }
}
