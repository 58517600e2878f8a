package cn.ac.ihep.heps.testsupport.vm;

import cn.ac.ihep.heps.common.process.ProcessTrees;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A guest booted from a disk image under QEMU with plain emulation ({@code -accel tcg}), for
 * tests of real guests on machines whose {@code /dev/kvm} is unusable or missing. The image is
 * never written: the guest runs on a qcow2 overlay in the test's directory. User-mode
 * networking gives it a way out through the host (so it reaches the package mirrors) and
 * forwards one guest port to a free loopback port. Its serial console is written to a file.
 *
 * <p>Every boot has a hard limit: QEMU runs under {@code timeout}, so it ends even when the
 * test's JVM is killed, and {@link #close()} stops it at once.
 *
 * <pre>{@code
 * try (QemuGuest guest = QemuGuest.boot(image, dir, seedIso, 5900, Duration.ofMinutes(10))) {
 *     InetSocketAddress vnc = guest.forwardedPort();
 *     ...
 * }
 * }</pre>
 */
public final class QemuGuest implements AutoCloseable {

    private static final List<String> PROGRAMS = List.of("qemu-system-x86_64", "qemu-img", "genisoimage", "timeout");
    private static final String PACKAGES = "qemu-system-x86 qemu-utils genisoimage";

    private final Process process;
    private final InetSocketAddress forwardedPort;
    private final Path serialLog;

    private QemuGuest(Process process, InetSocketAddress forwardedPort, Path serialLog) {
        this.process = process;
        this.forwardedPort = forwardedPort;
        this.serialLog = serialLog;
    }

    /** Why guests cannot be booted here (one line), or empty when they can. */
    public static Optional<String> missingPrerequisite() {
        List<String> missing = PROGRAMS.stream().filter(program -> find(program).isEmpty()).toList();
        if (!missing.isEmpty()) {
            return Optional.of("no " + String.join(", ", missing) + " on this machine (apt-get install " + PACKAGES + ")");
        }
        return Optional.empty();
    }

    /**
     * Boots {@code image} (qcow2) with {@code seed} as a CD-ROM.
     *
     * @param dir where the overlay and the serial log go
     * @param guestPort the guest's TCP port to forward to a free port on 127.0.0.1
     * @param hardLimit QEMU is killed after this long, whatever happens to the caller
     */
    public static QemuGuest boot(Path image, Path dir, Path seed, int guestPort, Duration hardLimit) throws IOException {
        return boot(image, dir, seed, guestPort, hardLimit, List.of("-machine", "pc"));
    }

    /**
     * The same on other virtual hardware.
     *
     * @param hardware QEMU's options for the machine and CPU, e.g. {@code -machine q35 -cpu Westmere}
     */
    public static QemuGuest boot(Path image, Path dir, Path seed, int guestPort, Duration hardLimit, List<String> hardware)
            throws IOException {
        Path overlay = dir.resolve("overlay.qcow2");
        run(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", image.toAbsolutePath().toString(),
                overlay.toString()));
        Path serialLog = dir.resolve("serial.log");
        int hostPort = freePort();
        List<String> command = new ArrayList<>(List.of(
                "timeout", "--kill-after=10", hardLimit.toSeconds() + "s",
                "qemu-system-x86_64", "-accel", "tcg"));
        command.addAll(hardware);
        command.addAll(List.of("-m", "2048", "-smp", "2", "-display", "none", "-vga", "std", "-monitor", "none", "-no-reboot",
                "-serial", "file:" + serialLog,
                "-drive", "file=" + overlay + ",if=virtio,format=qcow2",
                "-drive", "file=" + seed.toAbsolutePath() + ",media=cdrom,format=raw,readonly=on",
                "-netdev", "user,id=net0,hostfwd=tcp:127.0.0.1:" + hostPort + "-:" + guestPort,
                "-device", "virtio-net-pci,netdev=net0"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("qemu.log").toFile()).start();
        return new QemuGuest(process, new InetSocketAddress("127.0.0.1", hostPort), serialLog);
    }

    /** The loopback address the guest port is forwarded to. */
    public InetSocketAddress forwardedPort() {
        return forwardedPort;
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    public Path serialLog() {
        return serialLog;
    }

    /** The serial console so far, without terminal escape sequences. */
    public String serialText() {
        try {
            if (!Files.exists(serialLog)) {
                return "";
            }
            return plain(new String(Files.readAllBytes(serialLog), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Console output without terminal escape sequences and carriage returns. */
    public static String plain(String raw) {
        return raw.replaceAll("\u001b\\[[0-9;?]*[A-Za-z]", "").replaceAll("\u001b\\]8;;[^\u001b]*\u001b\\\\", "")
                .replace("\r", "");
    }

    /** The last {@code lines} lines of the serial console, for failure messages. */
    public String serialTail(int lines) {
        String[] all = serialText().split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
    }

    /** Stops QEMU (SIGTERM, then SIGKILL after 10 s). */
    @Override
    public void close() {
        ProcessTrees.stop(process, Duration.ofSeconds(10));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }

    private static Optional<Path> find(String program) {
        String path = System.getenv("PATH");
        List<String> dirs = new ArrayList<>(path == null ? List.of() : List.of(path.split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin"));
        return dirs.stream().filter(dir -> !dir.isEmpty()).map(dir -> Path.of(dir, program)).filter(Files::isExecutable).findFirst();
    }
}
