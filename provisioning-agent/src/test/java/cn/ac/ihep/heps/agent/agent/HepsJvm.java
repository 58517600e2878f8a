package cn.ac.ihep.heps.agent.agent;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts {@code heps} in a JVM of its own, on the test's class path, so a test can kill it
 * the way an operating system does (SIGKILL) and look at what is left.
 */
public final class HepsJvm {
    private HepsJvm() {
    }

    /** A process builder for {@code heps <arguments>}; the caller adds environment and redirects. */
    public static ProcessBuilder heps(String... arguments) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "cn.ac.ihep.heps.agent.cli.HepsCommand"));
        command.addAll(List.of(arguments));
        return new ProcessBuilder(command);
    }
}
