package cn.ac.ihep.heps.bench.display;

import cn.ac.ihep.heps.testsupport.guacamole.web.AuthenticatedSession;
import cn.ac.ihep.heps.testsupport.guacamole.web.StockGuacamole;
import cn.ac.ihep.heps.testsupport.guacamole.web.display.DisplayOptions;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.FrameWait;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelClient;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelOptions;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelParameters;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Frames per second of a full-screen 60 Hz repaint through Guacamole's WebSocket tunnel, with
 * guacamole-vm-resolver's VNC parameters against Guacamole's defaults, each as a share of the
 * frames the desktop itself painted in the same run (counted at the source, by
 * {@link ScreenPainter}), and the CPU of guacd's process for the session, x11vnc and Tomcat.
 *
 * <p>Runs everything itself: per resolution an Xvfb with the painter and x11vnc, one guacd from
 * GUACD_HOME, and one stock Guacamole 1.6.0 ({@link StockGuacamole}) whose user-mapping.xml holds
 * a connection per parameter set. The client acknowledges every {@code sync} at once and, unless
 * {@code --decode}, counts images without decoding them, so the figures are what the server side
 * can deliver (an upper bound for a browser).
 *
 * <pre>
 * java -cp ... cn.ac.ihep.heps.bench.display.FrameRateBenchmark [--resolutions 1920x1080,3840x2160]
 *     [--fps 60] [--content cards|testsrc2] [--warmup 5] [--seconds 20] [--rounds 1] [--decode] [--recording]
 *     [--image-types image/jpeg,image/png,image/webp] [--x11vnc 'OPTIONS'] [--keep-logs] [--out bench/target/frame-rate.md]
 * </pre>
 *
 * <p>{@code --content} chooses what is painted: the painter's own test cards, where every pixel
 * changes every frame (the default, the worst case), or ffmpeg's {@code testsrc2}, where part of
 * the screen moves (the pattern FACTS measured with; needs Debian's ffmpeg).
 *
 * <p>{@code --x11vnc} adds options to the desktop's x11vnc (a guest image's own, to measure them).
 *
 * <p>{@code --recording} compares the resolver's defaults unrecorded and recorded (guacd writing
 * the session's recording as the resolver has it do), each round both, and says how fast the
 * recording grew.
 */
public final class FrameRateBenchmark {

    private static final String SECRET = "frame-rate-benchmark-site-secret";

    /**
     * One parameter set: a name and the site properties the resolver reads (empty: not the
     * resolver), and whether the session is recorded as the resolver records it.
     */
    record Profile(String name, boolean resolver, Map<String, String> siteProperties, boolean recorded) {
        Profile(String name, boolean resolver, Map<String, String> siteProperties) {
            this(name, resolver, siteProperties, false);
        }
    }

    static final List<Profile> PROFILES = List.of(
            new Profile("Guacamole defaults", false, Map.of()),
            new Profile("heps-vm-resolver defaults", true, Map.of()),
            new Profile("heps-vm-resolver, heps-vnc-color-depth 24", true, Map.of("heps-vnc-color-depth", "24")));

    /** What Guacamole's front end advertises in a browser that draws WebP (Chromium, Firefox). */
    static final List<String> BROWSER_IMAGE_TYPES = List.of("image/jpeg", "image/png", "image/webp");

    /** {@code --recording}: the resolver's defaults unrecorded and recorded, alternately. */
    static final List<Profile> RECORDING_PROFILES = List.of(
            new Profile("heps-vm-resolver defaults", true, Map.of()),
            new Profile("heps-vm-resolver defaults, recorded", true, Map.of(), true));

    /** @param recordedBytesPerSecond how fast the recording grew; 0 for an unrecorded session */
    record Result(String resolution, Profile profile, String parameters, double painted, double delivered, double share,
            double framesAtSourcePerFrame, double guacdCpu, double x11vncCpu, double tomcatCpu, double clientCpu,
            long firstFrameMillis, Map<String, Long> images, double recordedBytesPerSecond) {
    }

    private FrameRateBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("resolutions", "1920x1080,3840x2160", "fps", "60",
                "content", "cards", "warmup", "5", "seconds", "20", "rounds", "1", "out", "bench/target/frame-rate.md"));
        boolean decode = false;
        boolean keepLogs = false;
        List<Profile> profiles = PROFILES;
        List<String> imageTypes = BROWSER_IMAGE_TYPES;
        List<String> x11vncOptions = List.of();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--decode")) {
                decode = true;
            } else if (args[i].equals("--recording")) {
                profiles = RECORDING_PROFILES;
            } else if (args[i].equals("--image-types") && i + 1 < args.length) {
                imageTypes = List.of(args[++i].split(","));
            } else if (args[i].equals("--x11vnc") && i + 1 < args.length) {
                x11vncOptions = List.of(args[++i].trim().split("\\s+"));
            } else if (args[i].equals("--keep-logs")) {
                keepLogs = true;
            } else if (args[i].startsWith("--") && i + 1 < args.length && options.containsKey(args[i].substring(2))) {
                options.put(args[i].substring(2), args[++i]);
            } else {
                System.err.println("usage: FrameRateBenchmark [--resolutions WxH,...] [--fps N] [--content cards|testsrc2] [--warmup S] [--seconds S] "
                        + "[--rounds N] [--decode] [--recording] [--image-types T,...] [--x11vnc 'OPTIONS'] [--keep-logs] [--out FILE]");
                System.exit(2);
            }
        }
        if (OwnGuacd.missing().isPresent()) {
            System.err.println(OwnGuacd.missing().get());
            System.exit(1);
        }
        StockGuacamole.Prerequisites prerequisites = StockGuacamole.prerequisites();
        if (!prerequisites.present()) {
            System.err.println(prerequisites.missing());
            System.exit(1);
        }
        List<int[]> resolutions = new ArrayList<>();
        for (String resolution : options.get("resolutions").split(",")) {
            String[] wh = resolution.trim().split("x");
            resolutions.add(new int[] {Integer.parseInt(wh[0]), Integer.parseInt(wh[1])});
        }
        int fps = Integer.parseInt(options.get("fps"));
        ScreenPainter.Content content = ScreenPainter.Content.parse(options.get("content"));
        Duration warmup = Duration.ofSeconds(Long.parseLong(options.get("warmup")));
        Duration measure = Duration.ofSeconds(Long.parseLong(options.get("seconds")));
        int rounds = Integer.parseInt(options.get("rounds"));
        TunnelOptions tunnelOptions = TunnelOptions.defaults()
                .withDisplay(decode ? DisplayOptions.defaults() : DisplayOptions.countingOnly());

        Path work = Files.createTempDirectory("heps-frame-rate-");
        String serverId = UUID.randomUUID().toString();
        String password = VncProfiles.password(SECRET, serverId);
        List<Result> results = new ArrayList<>();
        try (OwnGuacd guacd = OwnGuacd.start(work)) {
            // A VNC port per resolution, chosen now: the user-mapping is written once.
            Map<String, Integer> ports = new LinkedHashMap<>();
            StockGuacamole.Builder builder = StockGuacamole.builder().guacd("127.0.0.1", guacd.port).user("bench", "bench");
            Map<String, Map<String, String>> parameters = new LinkedHashMap<>();
            for (int[] wh : resolutions) {
                String resolution = wh[0] + "x" + wh[1];
                int port = ChildProcess.freePort();
                ports.put(resolution, port);
                for (Profile profile : profiles) {
                    Path recordings = recordingDirectory(work, profile, resolution);
                    if (recordings != null) {
                        // As the resolver makes the desktop's directory; guacd makes the last level.
                        Files.createDirectories(recordings.getParent());
                    }
                    Map<String, String> set = profile.resolver()
                            ? VncProfiles.resolver("127.0.0.1", port, SECRET, serverId, profile.siteProperties(), recordings)
                            : VncProfiles.guacamoleDefaults("127.0.0.1", port, SECRET, serverId);
                    parameters.put(connectionName(profile, resolution), set);
                    builder.connection(connectionName(profile, resolution), "vnc", set);
                }
            }
            System.err.println("starting a stock Guacamole 1.6.0 (Tomcat) ...");
            try (StockGuacamole stock = builder.start(prerequisites)) {
                TunnelClient tunnels = new TunnelClient(stock.url(), tunnelOptions);
                for (int[] wh : resolutions) {
                    String resolution = wh[0] + "x" + wh[1];
                    try (LocalDesktop desktop = LocalDesktop.start(wh[0], wh[1], fps, content, x11vncOptions,
                            ports.get(resolution), password, work)) {
                        double alone = paintedAlone(desktop, Duration.ofSeconds(5));
                        System.err.printf(Locale.ROOT, "%s: the painter alone paints %.1f frames/s%n", resolution, alone);
                        for (int round = 0; round < rounds; round++) {
                            for (Profile profile : profiles) {
                                String name = connectionName(profile, resolution);
                                Result result = measure(stock, tunnels, guacd, desktop, name, profile, imageTypes,
                                        VncProfiles.describe(parameters.get(name)), warmup, measure,
                                        recordingDirectory(work, profile, resolution));
                                results.add(result);
                                System.err.println(line(result));
                            }
                        }
                    }
                }
            }
        }
        String report = report(results, fps, content, x11vncOptions, warmup, measure, decode, imageTypes);
        System.out.println(report);
        Path out = Path.of(options.get("out"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, report);
        if (keepLogs) {
            System.err.println("logs of Xvfb, the painter, x11vnc and guacd: " + work);
        } else {
            deleteQuietly(work);
        }
    }

    private static String connectionName(Profile profile, String resolution) {
        return profile.name() + " @ " + resolution;
    }

    /** Where a recorded profile's sessions go (the resolver's layout: server id, day); null when unrecorded. */
    private static Path recordingDirectory(Path work, Profile profile, String resolution) {
        return profile.recorded() ? work.resolve("recordings").resolve("bench-" + resolution).resolve("day") : null;
    }

    /** Bytes under the directory (guacd appends .1, .2, … to a recording name that exists). */
    private static long bytesUnder(Path directory) {
        if (directory == null || !Files.isDirectory(directory)) {
            return 0;
        }
        try (var files = Files.list(directory)) {
            return files.mapToLong(file -> file.toFile().length()).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    private static double paintedAlone(LocalDesktop desktop, Duration window) {
        LocalDesktop.Painted before = desktop.painted();
        ChildProcess.sleep(window.toMillis());
        LocalDesktop.Painted after = desktop.painted();
        return (after.frames() - before.frames()) / ((after.atNanos() - before.atNanos()) / 1e9);
    }

    private static Result measure(StockGuacamole stock, TunnelClient tunnels, OwnGuacd guacd, LocalDesktop desktop,
            String connection, Profile profile, List<String> imageTypes, String parameters, Duration warmup, Duration window, Path recordings) {
        AuthenticatedSession session = stock.web().createToken(Map.of("username", "bench", "password", "bench")).orThrow();
        Instant opened = Instant.now();
        try (TunnelSession tunnel = tunnels.open(session.authToken(),
                TunnelParameters.connection(session.dataSource(), connection).withSize(desktop.width, desktop.height)
                        .withImageTypes(imageTypes))) {
            FrameWait first = tunnel.awaitFirstFrame(Duration.ofSeconds(30));
            if (!first.arrived()) {
                throw new IllegalStateException(connection + ": no first frame: " + first);
            }
            long firstFrameMillis = Duration.ofNanos(tunnel.frames().firstFrameNanos().orElseThrow() - tunnel.openedAtNanos())
                    .toMillis();
            ChildProcess.sleep(warmup.toMillis());
            long guacdPid = guacd.sessionProcess(opened).map(ProcessHandle::pid)
                    .orElseThrow(() -> new IllegalStateException("guacd forked no process for " + connection));

            LocalDesktop.Painted paintedBefore = desktop.painted();
            long start = System.nanoTime();
            long framesBefore = tunnel.frames().count();
            long sourceBefore = tunnel.frames().framesAtSource();
            long guacdBefore = CpuTime.ticks(guacdPid);
            long vncBefore = CpuTime.ticks(desktop.x11vncPid());
            long tomcatBefore = CpuTime.ticks(stock.pid());
            long clientBefore = CpuTime.ticks(ProcessHandle.current().pid());
            long recordedBefore = bytesUnder(recordings);
            ChildProcess.sleep(window.toMillis());
            long end = System.nanoTime();
            long recordedAfter = bytesUnder(recordings);
            LocalDesktop.Painted paintedAfter = desktop.painted();
            long frames = tunnel.frames().count() - framesBefore;
            long source = tunnel.frames().framesAtSource() - sourceBefore;
            double seconds = (end - start) / 1e9;
            double paintedRate = (paintedAfter.frames() - paintedBefore.frames())
                    / ((paintedAfter.atNanos() - paintedBefore.atNanos()) / 1e9);
            double delivered = frames / seconds;
            if (!tunnel.isOpen()) {
                throw new IllegalStateException(connection + ": the tunnel ended: " + tunnel.endStatus().orElseThrow());
            }
            return new Result(desktop.width + "x" + desktop.height, profile, parameters, paintedRate, delivered,
                    delivered / paintedRate, frames == 0 ? 0 : (double) source / frames,
                    CpuTime.percentOfCore(guacdBefore, CpuTime.ticks(guacdPid), end - start),
                    CpuTime.percentOfCore(vncBefore, CpuTime.ticks(desktop.x11vncPid()), end - start),
                    CpuTime.percentOfCore(tomcatBefore, CpuTime.ticks(stock.pid()), end - start),
                    CpuTime.percentOfCore(clientBefore, CpuTime.ticks(ProcessHandle.current().pid()), end - start),
                    firstFrameMillis, tunnel.display().imagesByType(), (recordedAfter - recordedBefore) / seconds);
        } finally {
            ChildProcess.sleep(2000); // let guacd's session process exit before the next one starts
        }
    }

    private static String line(Result r) {
        return String.format(Locale.ROOT, "%s | %s | painted %.1f/s | delivered %.1f/s | %.0f %% | guacd %.0f %% | x11vnc %.0f %%"
                        + " | Tomcat %.0f %% | client %.0f %% | first frame %d ms | %s | recorded %.2f MB/s | load %s",
                r.resolution(), r.profile().name(), r.painted(), r.delivered(), r.share() * 100, r.guacdCpu(), r.x11vncCpu(),
                r.tomcatCpu(), r.clientCpu(), r.firstFrameMillis(), r.images(), r.recordedBytesPerSecond() / 1e6, loadAverage());
    }

    private static String report(List<Result> results, int fps, ScreenPainter.Content content, List<String> x11vncOptions,
            Duration warmup, Duration window, boolean decode, List<String> imageTypes) {
        StringBuilder out = new StringBuilder()
                .append("# Frame rate through the WebSocket tunnel\n\n")
                .append(String.format(Locale.ROOT, "A full-screen repaint (%s) asked for at %d Hz, %d s measured after %d s of warm-up; "
                        + "every sync acknowledged at once; the client advertises %s; images %s. CPU in %% of one core, "
                        + "over the measured window. x11vnc options: %s.%n%n", content.description, fps, window.toSeconds(), warmup.toSeconds(),
                        String.join(", ", imageTypes), decode ? "decoded" : "counted, not decoded",
                        x11vncOptions.isEmpty() ? "x11vnc's defaults" : String.join(" ", x11vncOptions)))
                .append("| resolution | VNC parameters | guacd parameters | painted frames/s | delivered frames/s | share of painted "
                        + "| guacd CPU (session) | x11vnc CPU | Tomcat CPU | client CPU | first frame | images | recording written |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Result r : results) {
            out.append(String.format(Locale.ROOT,
                    "| %s | %s | %s | %.1f | %.1f | %.0f %% | %.0f %% | %.0f %% | %.0f %% | %.0f %% | %d ms | %s | %s |%n",
                    r.resolution(), r.profile().name(), r.parameters(), r.painted(), r.delivered(), r.share() * 100,
                    r.guacdCpu(), r.x11vncCpu(), r.tomcatCpu(), r.clientCpu(), r.firstFrameMillis(), r.images(),
                    r.profile().recorded() ? String.format(Locale.ROOT, "%.2f MB/s", r.recordedBytesPerSecond() / 1e6) : "–"));
        }
        out.append("\nLoad average of the machine at the end: ").append(loadAverage())
                .append(" (").append(Runtime.getRuntime().availableProcessors()).append(" processors).\n");
        return out.toString();
    }

    /** The 1, 5 and 15 minute load averages: other work on the machine shows in every figure. */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Left in the temporary directory.
        }
    }
}
