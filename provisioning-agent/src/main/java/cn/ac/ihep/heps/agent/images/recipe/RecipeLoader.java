package cn.ac.ihep.heps.agent.images.recipe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Loads and validates an {@code images/} directory: components first, then the beamlines that
 * refer to them. Collects every problem in every file before giving up, so one run of
 * {@code heps images validate} lists them all.
 */
public final class RecipeLoader {

    public static final String COMPONENTS_DIR = "components";
    public static final String BEAMLINES_DIR = "beamlines";

    private final Path imagesDir;
    private final Path displayBase;

    /**
     * @param imagesDir the {@code images/} directory
     */
    public RecipeLoader(Path imagesDir) {
        this.imagesDir = imagesDir.toAbsolutePath().normalize();
        Path parent = this.imagesDir.getParent();
        this.displayBase = parent == null ? this.imagesDir : parent;
    }

    public Path imagesDir() {
        return imagesDir;
    }

    /** Every recipe, or a {@link RecipeException} listing every problem found. */
    public RecipeLibrary load() {
        List<RecipeProblem> problems = new ArrayList<>();
        if (!Files.isDirectory(imagesDir)) {
            problems.add(new RecipeProblem(display(imagesDir), 0, "", "no such directory (expected the images/ directory with components/ and beamlines/)"));
            throw new RecipeException(problems);
        }
        Map<String, Component> components = new TreeMap<>();
        ComponentParser componentParser = new ComponentParser();
        for (Path file : yamlFiles(imagesDir.resolve(COMPONENTS_DIR), problems)) {
            YamlSource source = new YamlSource(display(file), problems);
            source.parse(read(file)).flatMap(root -> componentParser.parse(source, root, file, baseName(file)))
                    .ifPresent(component -> components.put(component.name(), component));
        }
        Map<String, BeamlineRecipe> beamlines = new TreeMap<>();
        BeamlineParser beamlineParser = new BeamlineParser(components);
        for (Path file : yamlFiles(imagesDir.resolve(BEAMLINES_DIR), problems)) {
            YamlSource source = new YamlSource(display(file), problems);
            source.parse(read(file)).flatMap(root -> beamlineParser.parse(source, root, file, baseName(file)))
                    .ifPresent(beamline -> beamlines.put(beamline.id(), beamline));
        }
        if (!problems.isEmpty()) {
            throw new RecipeException(problems);
        }
        return RecipeLibrary.of(components, beamlines);
    }

    private List<Path> yamlFiles(Path dir, List<RecipeProblem> problems) {
        if (!Files.isDirectory(dir)) {
            problems.add(new RecipeProblem(display(dir), 0, "", "no such directory"));
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> all = files.filter(Files::isRegularFile).sorted().toList();
            for (Path file : all) {
                String name = file.getFileName().toString();
                if (name.endsWith(".yml")) {
                    problems.add(new RecipeProblem(display(file), 0, "", "recipe files end in .yaml; rename it to "
                            + name.substring(0, name.length() - 4) + ".yaml"));
                }
            }
            return all.stream().filter(file -> file.getFileName().toString().endsWith(".yaml")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    private static String baseName(Path file) {
        String name = file.getFileName().toString();
        return name.substring(0, name.length() - ".yaml".length());
    }

    private String display(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        return absolute.startsWith(displayBase) ? displayBase.relativize(absolute).toString() : absolute.toString();
    }
}
