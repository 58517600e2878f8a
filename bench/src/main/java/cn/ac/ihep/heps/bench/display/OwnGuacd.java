package cn.ac.ihep.heps.bench.display;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * guacd 1.6.0 from {@code GUACD_HOME} (default {@value #DEFAULT_HOME}), started by the benchmark
 * on a free loopback port so that the process serving each session (guacd forks one per
 * connection) is known and its CPU time can be read.
 */
final class OwnGuacd implements AutoCloseable {

    static final String DEFAULT_HOME = "/opt/guacamole/server";

    final int port;
    private final ChildProcess guacd;

    private OwnGuacd(int port, ChildProcess guacd) {
        this.port = port;
        this.guacd = guacd;
    }

    static Optional<String> missing() {
        Path guacd = home().resolve("sbin/guacd");
        return Files.isExecutable(guacd) ? Optional.empty()
                : Optional.of("guacd 1.6.0 is missing: no executable " + guacd + " (set GUACD_HOME; see README 'Guacamole and guacd')");
    }

    static OwnGuacd start(Path work) {
        int port = ChildProcess.freePort();
        Path home = home();
        ChildProcess guacd = ChildProcess.start("guacd", List.of(home.resolve("sbin/guacd").toString(), "-f",
                "-b", "127.0.0.1", "-l", Integer.toString(port), "-L", "info"),
                Map.of("LD_LIBRARY_PATH", home.resolve("lib").toString()), work);
        guacd.awaitReady("guacd on port " + port, Duration.ofSeconds(20), () -> ChildProcess.listening(port));
        return new OwnGuacd(port, guacd);
    }

    /** The process guacd forked for the connection that started last, after {@code since}. */
    Optional<ProcessHandle> sessionProcess(Instant since) {
        return ProcessHandle.of(guacd.pid()).stream().flatMap(ProcessHandle::children)
                .filter(child -> child.info().startInstant().map(start -> !start.isBefore(since.minusSeconds(1))).orElse(false))
                .max(Comparator.comparing(child -> child.info().startInstant().orElse(Instant.EPOCH)));
    }

    @Override
    public void close() {
        guacd.close();
    }

    private static Path home() {
        String home = System.getenv("GUACD_HOME");
        return Path.of(home == null || home.isBlank() ? DEFAULT_HOME : home);
    }
}
