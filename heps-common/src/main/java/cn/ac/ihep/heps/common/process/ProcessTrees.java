package cn.ac.ihep.heps.common.process;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Stopping a child process together with whatever it started. */
public final class ProcessTrees {
    private ProcessTrees() {
    }

    /**
     * Asks the process and its descendants to stop (SIGTERM), kills them (SIGKILL) when it has not
     * ended within {@code grace}, and waits up to {@code grace} again. An interrupt kills at once.
     */
    public static void stop(Process process, Duration grace) {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(process);
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
