package cn.ac.ihep.heps.agent.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The repository's real {@code images/} directory, and writable copies of it for tests that break things. */
public final class RecipeFixtures {

    private RecipeFixtures() {
    }

    /** {@code images/} at the repository root (tests run in the module directory). */
    public static Path repositoryImages() {
        Path images = Path.of("..", "images").toAbsolutePath().normalize();
        if (!Files.isDirectory(images.resolve("beamlines"))) {
            throw new IllegalStateException("No images/ directory at " + images);
        }
        return images;
    }

    /** A copy of the repository's recipes under {@code root/images}. */
    public static Path copyOfRepositoryImages(Path root) {
        Path target = root.resolve("images");
        Path source = repositoryImages();
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : files.sorted(Comparator.naturalOrder()).toList()) {
                Path destination = target.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(destination);
                } else {
                    Files.copy(file, destination);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }

    public static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void replace(Path file, String from, String to) {
        try {
            String text = Files.readString(file);
            if (!text.contains(from)) {
                throw new IllegalArgumentException(file + " does not contain " + from);
            }
            Files.writeString(file, text.replace(from, to));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
