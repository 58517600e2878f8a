package cn.ac.ihep.heps.testsupport.openstack;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/** Polls until a condition holds, for OpenStack's asynchronous state changes. */
final class Eventually {

    private Eventually() {
    }

    static <T> T await(String what, Duration limit, Supplier<T> probe, java.util.function.Predicate<T> done) {
        Instant deadline = Instant.now().plus(limit);
        T last = probe.get();
        while (!done.test(last)) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("Timed out after " + limit + " waiting for " + what + "; last seen: " + last);
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted waiting for " + what, e);
            }
            last = probe.get();
        }
        return last;
    }
}
