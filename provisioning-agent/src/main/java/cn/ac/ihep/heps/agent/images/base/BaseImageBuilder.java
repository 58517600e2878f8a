package cn.ac.ihep.heps.agent.images.base;

import cn.ac.ihep.heps.agent.images.recipe.BaseImageRecipe;
import cn.ac.ihep.heps.common.process.ProcessTrees;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Builds a base image's qcow2 from its recipe with mmdebstrap (the script
 * {@code build-base-image.sh} beside this class), into a cache directory keyed by
 * {@link BaseImageKey}: a second build of the same recipe returns the first one's image.
 * Packages come only from the recipe's mirrors. Needs root and Debian's mmdebstrap, e2fsprogs,
 * fdisk and qemu-utils; {@link #missingPrerequisite()} says what is missing.
 */
public final class BaseImageBuilder {

    /** Where images are kept unless a directory is given: {@code $HEPS_BASE_IMAGE_CACHE}. */
    public static final String CACHE_ENV = "HEPS_BASE_IMAGE_CACHE";
    static final String SCRIPT_RESOURCE = "build-base-image.sh";
    static final List<String> TOOLS = List.of("mmdebstrap", "mkfs.ext4", "sfdisk", "qemu-img");
    static final String TOOL_PACKAGES = "mmdebstrap e2fsprogs fdisk qemu-utils";
    private static final String STAGE_PREFIX = "base-image: ";
    private static final int LOG_TAIL_LINES = 30;
    private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(45);

    private final Path cacheDir;
    private final Duration timeout;

    public BaseImageBuilder(Path cacheDir) {
        this(cacheDir, DEFAULT_TIMEOUT);
    }

    public BaseImageBuilder(Path cacheDir, Duration timeout) {
        this.cacheDir = cacheDir.toAbsolutePath().normalize();
        this.timeout = timeout;
    }

    /** {@code $HEPS_BASE_IMAGE_CACHE}, else {@code $XDG_CACHE_HOME/heps/base-images}, else {@code ~/.cache/heps/base-images}. */
    public static Path defaultCacheDir() {
        String configured = System.getenv(CACHE_ENV);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cacheHome = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cacheHome.resolve("heps").resolve("base-images");
    }

    /** Why this machine cannot build base images (one line), or empty when it can. */
    public static Optional<String> missingPrerequisite() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("building a base image needs root (mmdebstrap --mode=root), and this runs as "
                    + System.getProperty("user.name"));
        }
        List<String> missing = TOOLS.stream().filter(tool -> ExecutableSearch.find(tool).isEmpty()).toList();
        if (!missing.isEmpty()) {
            return Optional.of("no " + String.join(", ", missing) + " on this machine (apt-get install " + TOOL_PACKAGES + ")");
        }
        return Optional.empty();
    }

    public Path cacheDir() {
        return cacheDir;
    }

    /** The cache key of {@code recipe} with this version of the build script. */
    public static String keyOf(BaseImageRecipe recipe) {
        return BaseImageKey.of(recipe, buildScript());
    }

    /**
     * The image's name, {@code heps-base-<recipe>-<short key>}: the file name in the cache and
     * the pinned Glance name a beamline's {@code base_image} gives, so a changed recipe is a
     * new name and never replaces an image that beamlines were built on.
     */
    public static String imageName(BaseImageRecipe recipe) {
        return "heps-base-" + recipe.name() + "-" + BaseImageKey.shortForm(keyOf(recipe));
    }

    /** Where the image of {@code recipe} is (or would be) kept. */
    public Path imagePath(BaseImageRecipe recipe) {
        return cacheDir.resolve(imageName(recipe) + ".qcow2");
    }

    /** The cached image of {@code recipe}, if one was built with the same key. */
    public Optional<BuiltBaseImage> cached(BaseImageRecipe recipe) {
        Path image = imagePath(recipe);
        if (!Files.isRegularFile(image)) {
            return Optional.empty();
        }
        return Optional.of(new BuiltBaseImage(imageName(recipe), keyOf(recipe), image, size(image), true, Duration.ZERO));
    }

    /**
     * The image of {@code recipe}: the cached one when its key matches (unless {@code rebuild}),
     * otherwise a new build.
     *
     * @param progress receives one line per stage of the build
     * @throws BaseImageBuildException when a prerequisite is missing or the build fails; nothing is cached then
     */
    public BuiltBaseImage build(BaseImageRecipe recipe, boolean rebuild, Consumer<String> progress) {
        Instant started = Instant.now();
        String key = keyOf(recipe);
        Path image = imagePath(recipe);
        try {
            Files.createDirectories(cacheDir);
            try (FileChannel lockFile = FileChannel.open(cacheDir.resolve(image.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock lock = lockFile.lock()) {
                if (!rebuild && Files.isRegularFile(image)) {
                    progress.accept("reusing " + image + " (same recipe and packages, key " + BaseImageKey.shortForm(key) + ")");
                    return new BuiltBaseImage(imageName(recipe), key, image, size(image), true, Duration.between(started, Instant.now()));
                }
                missingPrerequisite().ifPresent(reason -> {
                    throw new BaseImageBuildException("Cannot build base image " + recipe.name() + ": " + reason);
                });
                progress.accept("building " + recipe.name() + " (key " + BaseImageKey.shortForm(key) + ") from "
                        + recipe.packages().size() + " packages of " + recipe.suite());
                runBuild(recipe, image, progress);
                Duration elapsed = Duration.between(started, Instant.now());
                writeManifest(recipe, key, image, elapsed);
                progress.accept("built " + image + " in " + elapsed.toSeconds() + " s");
                return new BuiltBaseImage(imageName(recipe), key, image, size(image), false, elapsed);
            }
        } catch (IOException e) {
            throw new BaseImageBuildException("Cannot build base image " + recipe.name() + " in " + cacheDir + ": " + e.getMessage(), e);
        }
    }

    private void runBuild(BaseImageRecipe recipe, Path image, Consumer<String> progress) throws IOException {
        Path work = Files.createTempDirectory(cacheDir, ".build-" + recipe.name() + "-");
        Path log = cacheDir.resolve(image.getFileName() + ".log");
        try {
            Path script = work.resolve(SCRIPT_RESOURCE);
            Files.writeString(script, buildScript());
            Path setup = work.resolve("setup.sh");
            Files.writeString(setup, recipe.setup());
            Path scratch = Files.createDirectory(work.resolve("scratch"));
            Path output = work.resolve("image.qcow2");

            ProcessBuilder builder = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true);
            Map<String, String> env = builder.environment();
            env.put("PATH", env.getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin");
            env.put("BASE_SUITE", recipe.suite());
            env.put("BASE_SOURCES", String.join("\n", recipe.sources()));
            env.put("BASE_PACKAGES", String.join(",", recipe.packages()));
            env.put("BASE_SETUP", setup.toString());
            env.put("BASE_DISK_GIB", Integer.toString(recipe.diskSizeGib()));
            env.put("BASE_KERNEL_ARGUMENTS", recipe.kernelArguments().trim());
            env.put("BASE_WORK", scratch.toString());
            env.put("BASE_OUTPUT", output.toString());
            Process process = builder.start();
            Deque<String> tail = new ArrayDeque<>();
            Thread reader = new Thread(() -> copyOutput(process.getInputStream(), log, tail, progress), "base-image-build-output");
            reader.setDaemon(true);
            reader.start();
            boolean finished;
            try {
                finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop(process);
                throw new BaseImageBuildException("The build of " + recipe.name() + " was interrupted");
            }
            if (!finished) {
                stop(process);
                throw new BaseImageBuildException("The build of " + recipe.name() + " took longer than " + timeout.toMinutes()
                        + " min and was stopped; its output is in " + log);
            }
            joinQuietly(reader);
            if (process.exitValue() != 0 || !Files.isRegularFile(output)) {
                List<String> lastLines;
                synchronized (tail) {
                    lastLines = new ArrayList<>(tail);
                }
                throw new BaseImageBuildException("The build of " + recipe.name() + " failed (exit " + process.exitValue()
                        + "); its output is in " + log + ", ending with:\n  " + String.join("\n  ", lastLines));
            }
            try {
                Files.move(output, image, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(output, image, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            removeTree(work);
        }
    }

    private static void copyOutput(InputStream stream, Path log, Deque<String> tail, Consumer<String> progress) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
             var writer = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                writer.write(line);
                writer.newLine();
                writer.flush();
                if (line.startsWith(STAGE_PREFIX)) {
                    progress.accept(line.substring(STAGE_PREFIX.length()));
                }
                synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > LOG_TAIL_LINES) {
                        tail.removeFirst();
                    }
                }
            }
        } catch (IOException e) {
            // The process ended or the log cannot be written; the exit code tells the rest.
        }
    }

    private static void stop(Process process) {
        ProcessTrees.stop(process, Duration.ofSeconds(10));
    }

    private static void joinQuietly(Thread thread) {
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** rm -rf without crossing into another file system, in case a stopped build left a mount behind. */
    private static void removeTree(Path dir) {
        try {
            Process rm = new ProcessBuilder("rm", "-rf", "--one-file-system", dir.toString()).redirectErrorStream(true).start();
            rm.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            rm.waitFor(5, TimeUnit.MINUTES);
        } catch (IOException e) {
            // Left for the operator; the next build uses a new directory.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void writeManifest(BaseImageRecipe recipe, String key, Path image, Duration elapsed) throws IOException {
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("name", imageName(recipe));
        manifest.put("recipe", recipe.name());
        manifest.put("key", key);
        manifest.put("suite", recipe.suite());
        manifest.put("sources", recipe.sources());
        manifest.put("packages", recipe.packages());
        manifest.put("built_at", Instant.now().toString());
        manifest.put("build_seconds", elapsed.toSeconds());
        manifest.put("size_bytes", size(image));
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(image.resolveSibling(image.getFileName() + ".json").toFile(), manifest);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String buildScript() {
        try (InputStream in = BaseImageBuilder.class.getResourceAsStream(SCRIPT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(SCRIPT_RESOURCE + " is missing from the agent's jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
