package cn.ac.ihep.heps.agent.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BackgroundLoopTest {
    private static final Duration HOUR = Duration.ofHours(1);

    @Test
    void theFirstRoundRunsAtOnceAndAWakeCutsThePauseShort() throws Exception {
        LinkedBlockingQueue<Long> rounds = new LinkedBlockingQueue<>();
        try (BackgroundLoop loop = new BackgroundLoop("test-loop")) {
            loop.start(HOUR, () -> rounds.add(System.nanoTime()));
            assertTrue(rounds.poll(5, TimeUnit.SECONDS) != null, "the first round");
            assertEquals(null, rounds.poll(300, TimeUnit.MILLISECONDS), "no second round before the hour");
            long woken = System.nanoTime();
            loop.wake();
            Long second = rounds.poll(5, TimeUnit.SECONDS);
            assertTrue(second != null, "a woken loop runs its next round");
            assertTrue(second - woken < TimeUnit.SECONDS.toNanos(1), "within a second of the wake");
        }
    }

    @Test
    void wakesDuringARoundAreOneMoreRoundAfterIt() throws Exception {
        CountDownLatch inFirstRound = new CountDownLatch(1);
        CountDownLatch finishFirstRound = new CountDownLatch(1);
        LinkedBlockingQueue<Integer> ended = new LinkedBlockingQueue<>();
        int[] count = {0};
        try (BackgroundLoop loop = new BackgroundLoop("test-loop")) {
            loop.start(HOUR, () -> {
                int round = ++count[0];
                if (round == 1) {
                    inFirstRound.countDown();
                    try {
                        finishFirstRound.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                ended.add(round);
            });
            assertTrue(inFirstRound.await(5, TimeUnit.SECONDS));
            loop.wake();
            loop.wake();
            loop.wake();
            finishFirstRound.countDown();
            assertEquals(1, ended.poll(5, TimeUnit.SECONDS));
            assertEquals(2, ended.poll(5, TimeUnit.SECONDS), "the wakes during the first round: one more round");
            assertEquals(null, ended.poll(500, TimeUnit.MILLISECONDS), "and only one");
        }
    }

    @Test
    void noRoundAfterClose() throws Exception {
        LinkedBlockingQueue<Long> rounds = new LinkedBlockingQueue<>();
        BackgroundLoop loop = new BackgroundLoop("test-loop");
        loop.start(Duration.ofMillis(20), () -> rounds.add(System.nanoTime()));
        assertTrue(rounds.poll(5, TimeUnit.SECONDS) != null);
        loop.close();
        rounds.clear();
        loop.wake();
        assertEquals(null, rounds.poll(300, TimeUnit.MILLISECONDS));
    }
}
