package cn.ac.ihep.heps.agent.agent;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One daemon thread that runs a round, pauses, and runs it again, until closed; closing waits up
 * to 30 s for a round under way. {@link #wake()} cuts the pause short. The round handles its own
 * failures: one that throws ends the loop.
 */
final class BackgroundLoop implements AutoCloseable {
    private final String threadName;
    private final Object pause = new Object();
    private boolean woken;
    private volatile boolean closed;
    private Thread thread;

    BackgroundLoop(String threadName) {
        this.threadName = threadName;
    }

    /** The first round at once, each next one {@code pause} after the last ended (at least 1 ms). */
    synchronized void start(Duration pauseBetween, Runnable round) {
        if (thread != null) {
            throw new IllegalStateException(threadName + " is already running");
        }
        long pauseNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, pauseBetween.toMillis()));
        thread = new Thread(() -> {
            do {
                round.run();
            } while (awaitNextRound(pauseNanos));
        }, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The next round without waiting out the pause: at once when the loop is pausing, else as soon
     * as the round under way ends (it may have read what changed before the change). Requests
     * that arrive before that next round begins are served by it.
     */
    void wake() {
        synchronized (pause) {
            woken = true;
            pause.notifyAll();
        }
    }

    /** False when the loop was closed while it paused. */
    private boolean awaitNextRound(long pauseNanos) {
        long deadline = System.nanoTime() + pauseNanos;
        synchronized (pause) {
            try {
                long left = pauseNanos;
                while (!woken && !closed && left > 0) {
                    TimeUnit.NANOSECONDS.timedWait(pause, left);
                    left = deadline - System.nanoTime();
                }
            } catch (InterruptedException e) {
                return false;
            }
            woken = false;
            return !closed;
        }
    }

    @Override
    public void close() {
        closed = true;
        Thread running;
        synchronized (this) {
            running = thread;
        }
        if (running == null) {
            return;
        }
        running.interrupt();
        try {
            running.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
