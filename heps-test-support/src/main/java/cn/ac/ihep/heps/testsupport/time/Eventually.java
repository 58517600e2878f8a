package cn.ac.ihep.heps.testsupport.time;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Polls until a condition holds: for state that other processes (Nova, a guest, a daemon) change. */
public final class Eventually {
    private static final Duration DEFAULT_INTERVAL = Duration.ofMillis(200);

    private Eventually() {
    }

    /** Polls every 200 ms. */
    public static <T> T await(String what, Duration limit, Supplier<T> probe, Predicate<T> done) {
        return await(what, limit, DEFAULT_INTERVAL, probe, done);
    }

    /** The last value probed, once {@code done} accepts it; an AssertionError naming it when {@code limit} passes. */
    public static <T> T await(String what, Duration limit, Duration interval, Supplier<T> probe, Predicate<T> done) {
        long deadline = System.nanoTime() + limit.toNanos();
        T last = probe.get();
        while (!done.test(last)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("waited " + limit.toSeconds() + " s for " + what + "; last seen: " + last);
            }
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
            last = probe.get();
        }
        return last;
    }
}
