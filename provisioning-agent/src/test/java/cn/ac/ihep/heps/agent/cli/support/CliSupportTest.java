package cn.ac.ihep.heps.agent.cli.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

class CliSupportTest {

    record Row(String name, int gpus) {
    }

    @Command(name = "sample", mixinStandardHelpOptions = true)
    static class SampleCommand implements Runnable {
        @Mixin
        OutputOptions output;
        @Option(names = "--fail")
        String fail;
        PrintStream out;

        @Override
        public void run() {
            if ("input".equals(fail)) {
                throw new BadInputException("The file is not valid", List.of("members[0].username: required"));
            }
            if ("work".equals(fail)) {
                throw new CommandFailedException("OpenStack did not answer: check that it runs");
            }
            if ("bug".equals(fail)) {
                throw new IllegalStateException("unexpected");
            }
            new ResultPrinter(output.format(), out).printList(
                    List.of(new Row("alpha", 1), new Row("b", 12)),
                    new TablePrinter("NAME", "GPUS"),
                    row -> { });
        }
    }

    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final StringWriter stderr = new StringWriter();

    private int run(String... args) {
        SampleCommand command = new SampleCommand();
        command.out = new PrintStream(stdout, true, StandardCharsets.UTF_8);
        CommandLine commandLine = ErrorReporting.install(new CommandLine(command));
        commandLine.setErr(new PrintWriter(stderr, true));
        commandLine.setOut(new PrintWriter(new PrintStream(stdout, true, StandardCharsets.UTF_8), true));
        return commandLine.execute(args);
    }

    @Test
    void jsonOutputIsTheResultAsAnArray() throws Exception {
        assertEquals(ExitCode.OK, run("--output", "json"));
        JsonNode json = ResultPrinter.jsonMapper().readTree(stdout.toString(StandardCharsets.UTF_8));
        assertEquals(2, json.size());
        assertEquals("alpha", json.get(0).get("name").asText());
        assertEquals(12, json.get(1).get("gpus").asInt());
    }

    @Test
    void unknownOptionAndUnknownFormatAreBadUsage() {
        assertEquals(ExitCode.BAD_INPUT, run("--colour"));
        assertEquals(ExitCode.BAD_INPUT, run("--output", "xml"));
        assertTrue(stderr.toString().contains("--help"), stderr.toString());
    }

    @Test
    void badInputExitsTwoAndNamesTheField() {
        assertEquals(ExitCode.BAD_INPUT, run("--fail", "input"));
        assertTrue(stderr.toString().contains("members[0].username: required"), stderr.toString());
    }

    @Test
    void failedWorkExitsOneWithTheMessage() {
        assertEquals(ExitCode.FAILED, run("--fail", "work"));
        assertTrue(stderr.toString().contains("check that it runs"), stderr.toString());
        assertEquals(ExitCode.FAILED, run("--fail", "bug"));
    }

    @Test
    void helpExitsZero() {
        assertEquals(ExitCode.OK, run("--help"));
        assertTrue(stdout.toString(StandardCharsets.UTF_8).contains("--output"));
    }

    @Test
    void tableColumnsAreAligned() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        new TablePrinter("NAME", "GPUS").row("alpha", 1).row("b", null).print(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        String[] lines = buffer.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals("NAME   GPUS", lines[0]);
        assertEquals("alpha  1", lines[1]);
        assertEquals("b      -", lines[2]);
    }

    @Test
    void progressGoesToItsOwnStreamOncePerStep() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (Progress progress = new Progress(new PrintStream(err, true, StandardCharsets.UTF_8), false, false)) {
            progress.step("waiting for server");
            progress.step("waiting for server");
            progress.done("server ACTIVE");
        }
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.split("waiting for server", -1).length - 1);
        assertTrue(text.endsWith("server ACTIVE\n"));
    }
}
