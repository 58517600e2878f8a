package cn.ac.ihep.heps.bench.guest;

import cn.ac.ihep.heps.bench.Percentiles;
import cn.ac.ihep.heps.testsupport.vm.QemuGuest;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Where a desktop image's boot spends its time under QEMU emulation, booted as the test bed's
 * QEMU host boots a desktop (TCG, q35, its CPU model, 2 vCPUs, 2 GiB, a config drive with a static
 * address): seconds from QEMU's start to each {@link BootMilestone} on the serial console and to
 * the VNC server's banner, over several boots, as medians and maxima. The user data starts x11vnc
 * on LightDM's display as soon as it exists, where a desktop waits for its enrolment as well: so
 * this is the guest's own share of {@code heps desktop create} to the first frame. Give several
 * images to compare them; boots run one at a time, and nothing else should run beside them.
 *
 * <pre>
 * java -cp bench/target/classes:$(cat bench/target/bench.cp) cn.ac.ihep.heps.bench.guest.GuestBootBenchmark \
 *     [--boots 3] [--machine q35] [--cpu MODEL] [--limit-seconds 600] [--analyze] IMAGE.qcow2 [IMAGE.qcow2 ...]
 * </pre>
 *
 * <p>With {@code --analyze} each boot goes on after the banner until the guest has finished
 * starting, and prints the guest's own account of the boot: systemd's critical chain to the
 * display manager, its slowest units, and cloud-init's slowest steps.
 */
public final class GuestBootBenchmark {

    private static final String USER_DATA = """
            #cloud-config
            # The benchmark's stand-in for the enrolment: the VNC server on LightDM's display once it runs.
            bootcmd:
              - - systemd-run
                - --no-block
                - --collect
                - --unit=bench-vnc
                - /bin/sh
                - -c
                - 'until x11vnc -display :0 -auth /var/run/lightdm/root/:0 -forever -shared -noxdamage -nopw -rfbport 5900 -o /var/log/bench-vnc.log; do sleep 0.5; done'
            """;

    /** A bootcmd entry that writes the guest's account of its boot to the console once it has started. */
    private static final String ANALYSIS = """
              - - systemd-run
                - --no-block
                - --collect
                - --unit=bench-analysis
                - /bin/sh
                - -c
                - 'systemctl is-system-running --wait >/dev/null; { echo "%1$s"; systemd-analyze critical-chain --no-pager lightdm.service; systemd-analyze blame --no-pager | head -n 25; cloud-init analyze blame | head -n 30; echo "%2$s"; } > /dev/ttyS0 2>&1'
            """;
    private static final String ANALYSIS_START = "==== bench analysis";
    private static final String ANALYSIS_END = "==== bench analysis end";

    /**
     * The test bed's QEMU host's model in QEMU's words ({@code cpu_models} and
     * {@code cpu_model_extra_flags} in dev/openstack/lib/configure.sh): an Atom's signature, so the
     * guest's kernel sees nothing to mitigate, with Westmere's further instruction sets.
     */
    static final String BED_CPU = "n270,+lm,+syscall,+lahf-lm,+cx16,+sse4.1,+sse4.2,+popcnt,+aes,+pclmulqdq";

    private GuestBootBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int boots = 3;
        String machine = "q35";
        String cpu = BED_CPU;
        Duration limit = Duration.ofMinutes(10);
        boolean analyze = false;
        List<Path> images = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--boots" -> boots = Integer.parseInt(args[++i]);
                case "--machine" -> machine = args[++i];
                case "--cpu" -> cpu = args[++i];
                case "--limit-seconds" -> limit = Duration.ofSeconds(Long.parseLong(args[++i]));
                case "--analyze" -> analyze = true;
                default -> images.add(Path.of(args[i]));
            }
        }
        Optional<String> missing = QemuGuest.missingPrerequisite();
        if (images.isEmpty() || boots < 1 || missing.isPresent()) {
            System.err.println(missing.orElse("usage: GuestBootBenchmark [--boots N] [--machine q35] [--cpu MODEL] "
                    + "[--limit-seconds 600] [--analyze] IMAGE.qcow2 ..."));
            System.exit(2);
        }
        List<String> hardware = List.of("-machine", machine, "-cpu", cpu);
        for (Path image : images) {
            List<Map<BootMilestone, Double>> milestones = new ArrayList<>();
            List<Double> banners = new ArrayList<>();
            for (int boot = 1; boot <= boots; boot++) {
                Boot result = boot(image, hardware, limit, analyze);
                System.out.printf("%s boot %d: VNC banner %s; console in %s%n", image.getFileName(), boot,
                        result.banner() < 0 ? "never" : String.format("%.1f s", result.banner()), result.dir().resolve("serial.log"));
                milestones.add(result.milestones());
                if (result.banner() >= 0) {
                    banners.add(result.banner());
                }
            }
            report(image, boots, milestones, banners);
        }
    }

    private record Boot(Map<BootMilestone, Double> milestones, double banner, Path dir) {
    }

    private static Boot boot(Path image, List<String> hardware, Duration limit, boolean analyze)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("heps-guest-boot-");
        String userData = analyze ? USER_DATA + ANALYSIS.formatted(ANALYSIS_START, ANALYSIS_END) : USER_DATA;
        Path drive = ConfigDrive.write(dir.resolve("config-drive.iso"), UUID.randomUUID().toString(), "bench-boot", userData);
        Map<BootMilestone, Double> seen = new EnumMap<>(BootMilestone.class);
        long start = System.nanoTime();
        double banner = -1;
        try (QemuGuest guest = QemuGuest.boot(image, dir, drive, 5900, limit, hardware);
                RandomAccessFile console = openWhenWritten(guest.serialLog(), start + limit.toNanos())) {
            long deadline = start + limit.toNanos();
            long nextProbe = start;
            while (banner < 0 && System.nanoTime() < deadline && guest.isRunning()) {
                // Only the whole lines the console wrote since the last look; a line still being
                // written (or a character split across two reads) waits for the next one.
                double now = (System.nanoTime() - start) / 1e9;
                for (String line : QemuGuest.plain(newLines(console)).split("\n")) {
                    for (BootMilestone milestone : BootMilestone.values()) {
                        if (!seen.containsKey(milestone) && milestone.seenIn(line)) {
                            seen.put(milestone, now);
                        }
                    }
                }
                if (System.nanoTime() >= nextProbe) {
                    if (greets(guest.forwardedPort())) {
                        banner = (System.nanoTime() - start) / 1e9;
                    }
                    nextProbe = System.nanoTime() + 500_000_000L;
                }
                Thread.sleep(100);
            }
            if (analyze && banner >= 0) {
                printAnalysis(guest, deadline);
            }
        }
        if (banner >= 0) {
            // The disks go; the console stays for a look at what the milestones leave out.
            Files.delete(dir.resolve("overlay.qcow2"));
            Files.delete(drive);
        }
        return new Boot(seen, banner, dir);
    }

    /** Waits, within the boot's limit, for the guest's account of its boot and prints it. */
    private static void printAnalysis(QemuGuest guest, long deadline) throws InterruptedException {
        while (System.nanoTime() < deadline && guest.isRunning()) {
            String console = guest.serialText();
            // The markers' own lines only: systemd may echo the unit's command line, markers and all.
            int start = console.indexOf(ANALYSIS_START + "\n");
            int end = start < 0 ? -1 : console.indexOf(ANALYSIS_END + "\n", start);
            if (end > start) {
                System.out.print(console.substring(start + ANALYSIS_START.length() + 1, end));
                return;
            }
            Thread.sleep(1000);
        }
        System.out.println("  the guest gave no account of its boot before the limit");
    }

    /** The complete lines written after the file pointer; the pointer moves past them only. */
    private static String newLines(RandomAccessFile console) throws IOException {
        long from = console.getFilePointer();
        byte[] fresh = new byte[(int) Math.max(0, console.length() - from)];
        console.readFully(fresh);
        int end = fresh.length - 1;
        while (end >= 0 && fresh[end] != '\n') {
            end--;
        }
        console.seek(from + end + 1);
        return new String(fresh, 0, end + 1, StandardCharsets.UTF_8);
    }

    /** The console file, once QEMU has created it. */
    private static RandomAccessFile openWhenWritten(Path log, long deadline) throws IOException, InterruptedException {
        while (!Files.exists(log) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        return new RandomAccessFile(log.toFile(), "r");
    }

    /** QEMU accepts on the forwarded port whether or not the guest listens: only the banner counts. */
    private static boolean greets(InetSocketAddress port) {
        try (Socket socket = new Socket()) {
            socket.connect(port, 1000);
            socket.setSoTimeout(1000);
            InputStream in = socket.getInputStream();
            return "RFB ".equals(new String(in.readNBytes(4), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return false;
        }
    }

    private static void report(Path image, int boots, List<Map<BootMilestone, Double>> milestones, List<Double> banners) {
        System.out.printf("%n%s: %d boots, seconds since QEMU started (median, max; step from the previous median)%n",
                image.getFileName(), boots);
        double previous = 0;
        for (BootMilestone milestone : BootMilestone.values()) {
            double[] times = milestones.stream().filter(m -> m.containsKey(milestone)).mapToDouble(m -> m.get(milestone))
                    .sorted().toArray();
            previous = line(milestone.label, times, boots, previous);
        }
        line("VNC server greets", banners.stream().mapToDouble(Double::doubleValue).sorted().toArray(), boots, previous);
    }

    private static double line(String label, double[] sorted, int boots, double previous) {
        if (sorted.length == 0) {
            System.out.printf("  %-32s not seen%n", label);
            return previous;
        }
        double median = Percentiles.median(sorted);
        System.out.printf("  %-32s %6.1f %6.1f  +%5.1f%s%n", label, median, sorted[sorted.length - 1], median - previous,
                sorted.length < boots ? "  (seen in " + sorted.length + " of " + boots + ")" : "");
        return median;
    }
}
