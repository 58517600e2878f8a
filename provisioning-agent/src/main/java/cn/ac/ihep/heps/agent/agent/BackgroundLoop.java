package cn.ac.ihep.heps.agent.agent;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One daemon thread that runs a round, pauses, and runs it again, until closed; closing waits up
 * to 30 s for a round under way. The round handles its own failures: one that throws ends the loop.
 */
final class BackgroundLoop implements AutoCloseable {
    private final ScheduledExecutorService scheduler;

    BackgroundLoop(String threadName) {
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The first round at once, each next one {@code pause} after the last ended (at least 1 ms). */
    void start(Duration pause, Runnable round) {
        scheduler.scheduleWithFixedDelay(round, 0, Math.max(1, pause.toMillis()), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
