package cn.ac.ihep.heps.agent.images.cli;

import static cn.ac.ihep.heps.agent.images.RecipeFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cn.ac.ihep.heps.agent.cli.HepsCommand;
import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.images.base.BaseImageBuilder;
import cn.ac.ihep.heps.agent.images.recipe.BaseImageParser;
import cn.ac.ihep.heps.agent.images.recipe.BaseImageRecipe;
import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code heps images base upload} against the OpenStack test bed's Glance. No base image is built:
 * the cache holds a small qcow2 under the name the builder looks for, so the builder's own cache
 * logic finds it.
 */
class BaseUploadIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private OpenStackTestBed bed;
    private CloudProvider glance;
    private Path images;
    private Path cache;
    private Path config;
    private BaseImageRecipe recipe;
    private String imageName;

    @BeforeEach
    void setUp() throws Exception {
        try {
            bed = OpenStackTestBed.find();
            glance = bed.provider();
            glance.listImages(Map.of("name", "heps-base-probe"));
        } catch (AssertionError | CloudException e) {
            assumeTrue(false, "skipped: the test bed's Glance is not reachable: " + e.getMessage().lines().findFirst().orElse(""));
        }
        String name = "it-upload-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        images = temp.resolve("images");
        write(images.resolve("base/" + name + ".yaml"), """
                name: %s
                description: a base image for the upload test; never built
                os: linux
                suite: bookworm
                mirrors:
                  - http://deb.debian.org/debian bookworm
                disk_size_gib: 1
                kernel_arguments: console=ttyS0
                packages:
                  - systemd-sysv
                setup: |
                  true
                """.formatted(name));
        recipe = new BaseImageParser().loadAll(images).get(0);
        imageName = BaseImageBuilder.imageName(recipe);
        cache = temp.resolve("cache");
        Path qcow2 = new BaseImageBuilder(cache).imagePath(recipe);
        Files.createDirectories(cache);
        Process qemuImg = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", qcow2.toString(), "16M")
                .redirectErrorStream(true).start();
        assertTrue(qemuImg.waitFor(60, TimeUnit.SECONDS) && qemuImg.exitValue() == 0,
                new String(qemuImg.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        config = Files.writeString(temp.resolve("agent.properties"), "");
    }

    @AfterEach
    void deleteImages() {
        if (glance == null || imageName == null) {
            return;
        }
        for (CloudImage image : glance.listImages(Map.of("name", imageName))) {
            glance.deleteImage(image.id());
        }
    }

    @Test
    void uploadsOnceWithTheRecipesPropertiesThenSaysAlreadyInGlance() throws Exception {
        Run first = heps(bed.provider());
        assertEquals(ExitCode.OK, first.exitCode(), first.err());
        JsonNode row = JSON.readTree(first.out()).get(0);
        assertEquals(imageName, row.path("name").asText());
        assertTrue(row.path("result").asText().startsWith("uploaded in "), first.out());
        List<CloudImage> active = active();
        assertEquals(1, active.size(), active.toString());
        CloudImage image = active.get(0);
        assertEquals(image.id(), row.path("imageId").asText());
        assertEquals(Files.size(new BaseImageBuilder(cache).imagePath(recipe)), row.path("sizeBytes").asLong());
        Map<String, String> properties = image.properties();
        assertEquals("linux", properties.get("os_type"));
        assertEquals("debian", properties.get("os_distro"));
        assertEquals("virtio", properties.get("hw_disk_bus"));
        assertEquals("virtio", properties.get("hw_vif_model"));
        assertEquals("yes", properties.get("hw_qemu_guest_agent"));
        assertEquals(recipe.name(), properties.get("heps_base_recipe"));
        assertEquals(BaseImageBuilder.keyOf(recipe), properties.get("heps_base_key"));

        Run second = heps(bed.provider());
        assertEquals(ExitCode.OK, second.exitCode(), second.err());
        JsonNode again = JSON.readTree(second.out()).get(0);
        assertEquals("already in Glance", again.path("result").asText());
        assertEquals(image.id(), again.path("imageId").asText());
        assertEquals(List.of(image.id()), glance.listImages(Map.of("name", imageName)).stream().map(CloudImage::id).toList());
    }

    /** Both operators pass the "already in Glance?" look before either upload starts: both upload, one image stays. */
    @Test
    void twoUploadsAtOnceEndWithOneActiveImage() throws Exception {
        CyclicBarrier bothLooked = new CyclicBarrier(2);
        ExecutorService operators = Executors.newFixedThreadPool(2);
        try {
            List<Future<Run>> runs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                runs.add(operators.submit(() -> heps(uploadingTogether(bed.provider(), bothLooked))));
            }
            for (Future<Run> run : runs) {
                Run result = run.get(5, TimeUnit.MINUTES);
                assertEquals(ExitCode.OK, result.exitCode(), result.err());
            }
        } finally {
            operators.shutdownNow();
        }
        List<CloudImage> all = glance.listImages(Map.of("name", imageName));
        assertEquals(1, all.size(), "both uploads made an image, one must have been deleted: " + all);
        assertEquals("active", all.get(0).status());
    }

    /** The bed's provider, whose upload waits until the other operator is about to upload too. */
    private static CloudProvider uploadingTogether(CloudProvider cloud, CyclicBarrier bothLooked) {
        return (CloudProvider) Proxy.newProxyInstance(CloudProvider.class.getClassLoader(), new Class<?>[] {CloudProvider.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("uploadImage")) {
                        bothLooked.await(2, TimeUnit.MINUTES);
                    }
                    try {
                        return method.invoke(cloud, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private List<CloudImage> active() {
        return glance.listImages(Map.of("name", imageName)).stream().filter(i -> "active".equals(i.status())).toList();
    }

    private record Run(int exitCode, String out, String err) {
    }

    private static final Object STDOUT = new Object();

    /** One {@code heps images base upload -o json} with its own output; the command prints to System.out. */
    private Run heps(CloudProvider cloud) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] args = {"--config", config.toString(), "images", "base", "upload", recipe.name(), "--images",
                images.toString(), "--cache", cache.toString(), "-o", "json"};
        PrintStream threadOut = new PrintStream(out, true, StandardCharsets.UTF_8);
        ThreadLocalStreams.install();
        ThreadLocalStreams.OUT.set(threadOut);
        ThreadLocalStreams.ERR.set(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = HepsCommand.commandLine(new HepsCommand(configuration -> cloud, Clock.systemUTC())).execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            ThreadLocalStreams.OUT.remove();
            ThreadLocalStreams.ERR.remove();
        }
    }

    /** System.out and System.err that write to the calling thread's own stream, so two runs at once keep theirs apart. */
    private static final class ThreadLocalStreams {
        static final ThreadLocal<PrintStream> OUT = new ThreadLocal<>();
        static final ThreadLocal<PrintStream> ERR = new ThreadLocal<>();

        static void install() {
            synchronized (STDOUT) {
                if (!(System.out instanceof Routed)) {
                    System.setOut(new Routed(System.out, OUT));
                    System.setErr(new Routed(System.err, ERR));
                }
            }
        }

        private static final class Routed extends PrintStream {
            private final ThreadLocal<PrintStream> target;

            Routed(PrintStream fallback, ThreadLocal<PrintStream> target) {
                super(fallback, true, StandardCharsets.UTF_8);
                this.target = target;
            }

            @Override
            public void write(int b) {
                PrintStream own = target.get();
                if (own != null) {
                    own.write(b);
                } else {
                    super.write(b);
                }
            }

            @Override
            public void write(byte[] buf, int off, int len) {
                PrintStream own = target.get();
                if (own != null) {
                    own.write(buf, off, len);
                } else {
                    super.write(buf, off, len);
                }
            }

            @Override
            public void flush() {
                PrintStream own = target.get();
                if (own != null) {
                    own.flush();
                }
                super.flush();
            }
        }
    }
}
