package cn.ac.ihep.heps.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import org.junit.jupiter.api.TestReporter;

/**
 * What the tests measured and saw (times to the first frame, what a refused tunnel answered):
 * a JUnit report entry, and a line in target/e2e/measurements.txt, which is where a reader
 * finds them (Failsafe keeps no report entries).
 */
final class Measurements {

    private Measurements() {
    }

    static void record(TestReporter report, String key, Object value) {
        report.publishEntry(key, String.valueOf(value));
        try {
            Files.writeString(E2eEnvironment.output().resolve("measurements.txt"), Instant.now() + "  " + key + ": " + value + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
