package cn.ac.ihep.heps.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cn.ac.ihep.heps.common.cloud.CloudProvider;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** {@code heps} in the test's JVM, on a given cloud and agent configuration, as an operator types it. */
public final class HepsCli {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CloudProvider cloud;
    private final Clock clock;
    private final Path config;

    public HepsCli(CloudProvider cloud, Path config) {
        this(cloud, Clock.systemUTC(), config);
    }

    public HepsCli(CloudProvider cloud, Clock clock, Path config) {
        this.cloud = cloud;
        this.clock = clock;
        this.config = config;
    }

    public record Run(int exitCode, String out, String err) {
        public JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + out, e);
            }
        }
    }

    /** One command; stdout is the command's output (progress goes to stderr, which stays the test's). */
    public synchronized Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        PrintStream originalOut = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            CommandLine commandLine = HepsCommand.commandLine(new HepsCommand(c -> cloud, clock));
            commandLine.setOut(new PrintWriter(System.out, true));
            commandLine.setErr(new PrintWriter(err, true));
            List<String> withConfig = new ArrayList<>(List.of(args));
            withConfig.add("--config=" + config);
            int code = commandLine.execute(withConfig.toArray(String[]::new));
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(originalOut);
        }
    }

    /** One command that must succeed. */
    public Run ok(String... args) {
        Run run = run(args);
        assertEquals(0, run.exitCode(), () -> "heps " + String.join(" ", args) + " failed: " + run.err() + run.out());
        return run;
    }
}
