package cn.ac.ihep.heps.agent.idle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IdlePolicyTest {

    private static final Instant T0 = Instant.parse("2026-12-01T18:00:00Z");
    private static final IdlePolicy TWO_HOURS = new IdlePolicy(Optional.empty(), Optional.of(Duration.ofHours(2)));

    private static Instant at(int minutes) {
        return T0.plus(Duration.ofMinutes(minutes));
    }

    /** Last disconnect at {@code disconnected}. */
    private static DesktopActivity leftAt(Instant disconnected) {
        return new DesktopActivity(0, disconnected.minusSeconds(3600), disconnected, disconnected.minusSeconds(60),
                null);
    }

    @Test
    void anUnusedDesktopIsShelvedOneReportAfterItsLimitIsSeen() {
        Instant awake = at(-600);
        assertInstanceOf(IdleVerdict.Keep.class, TWO_HOURS.judge(leftAt(T0), at(119), awake, null, at(119)));

        IdleVerdict due = TWO_HOURS.judge(leftAt(T0), at(120), awake, null, at(120));
        assertEquals(new IdleVerdict.Due(at(120), T0), due);
        // The same pass's reports do not confirm it: a connection may be on its way.
        assertEquals(due, TWO_HOURS.judge(leftAt(T0), at(120), awake, at(120), at(120)));

        IdleVerdict shelve = TWO_HOURS.judge(leftAt(T0), at(121), awake, at(120), at(121));
        assertInstanceOf(IdleVerdict.Shelve.class, shelve);
        assertEquals(T0, ((IdleVerdict.Shelve) shelve).idleSince());
    }

    @Test
    void anOpenConnectionKeepsTheDesktopWhateverTheClocksSay() {
        DesktopActivity connected = new DesktopActivity(1, at(-10_000), at(-9_000), at(-9_000), null);
        IdleVerdict verdict = TWO_HOURS.judge(connected, at(10_000), at(-20_000), at(-5_000), at(10_000));
        assertEquals(new IdleVerdict.Keep("1 connection(s) open"), verdict);
    }

    @Test
    void withoutACompleteReportNothingIsShelved() {
        DesktopActivity unknown = new DesktopActivity(0, null, at(-10_000), null, null);
        assertInstanceOf(IdleVerdict.Keep.class, TWO_HOURS.judge(unknown, null, at(-20_000), at(-5_000), at(0)));
    }

    @Test
    void aDesktopNobodyConnectedToIsIdleFromWhenItCameUp() {
        DesktopActivity never = DesktopActivity.NONE;
        assertInstanceOf(IdleVerdict.Keep.class, TWO_HOURS.judge(never, at(200), at(100), null, at(200)));
        assertInstanceOf(IdleVerdict.Due.class, TWO_HOURS.judge(never, at(200), at(0), null, at(200)));
        // Woken at 100 after an earlier shelve: the old idle spell does not count.
        assertInstanceOf(IdleVerdict.Keep.class, TWO_HOURS.judge(leftAt(at(-500)), at(200), at(100), null, at(200)));
    }

    @Test
    void aMarkFromAnEarlierIdleSpellIsNotConfirmation() {
        // Marked due at 120, then someone connected and left at 130: a new spell, a new mark.
        IdleVerdict verdict = TWO_HOURS.judge(leftAt(at(130)), at(300), at(-600), at(120), at(300));
        assertEquals(new IdleVerdict.Due(at(300), at(130)), verdict);
    }

    @Test
    void offMeansNeither() {
        IdleVerdict verdict = IdlePolicy.NEVER.judge(DesktopActivity.NONE, at(10_000), at(0), null, at(10_000));
        assertInstanceOf(IdleVerdict.Keep.class, verdict);
        assertEquals(Optional.empty(), IdlePolicy.NEVER.disconnectAt(T0));
        IdlePolicy disconnect = new IdlePolicy(Optional.of(Duration.ofMinutes(30)), Optional.empty());
        assertEquals(Optional.of(at(30)), disconnect.disconnectAt(T0));
    }

    @Test
    void limitsMustBeLongerThanZero() {
        assertThrows(IllegalArgumentException.class, () -> new IdlePolicy(Optional.of(Duration.ZERO), Optional.empty()));
        assertThrows(IllegalArgumentException.class,
                () -> new IdlePolicy(Optional.empty(), Optional.of(Duration.ofMinutes(-1))));
    }

    /** On random histories: a desktop the reports show connected is never shelved, and nothing is shelved early. */
    @Test
    void neverShelvesAConnectedDesktopNorOneUsedWithinItsLimit() {
        Random random = new Random(20261201L);
        for (int i = 0; i < 20_000; i++) {
            IdlePolicy policy = new IdlePolicy(Optional.empty(),
                    Optional.of(Duration.ofMinutes(1 + random.nextInt(600))));
            int connections = random.nextInt(3) == 0 ? 1 + random.nextInt(3) : 0;
            DesktopActivity activity = new DesktopActivity(connections, maybe(random), maybe(random), maybe(random),
                    null);
            Instant reports = random.nextInt(5) == 0 ? null : at(random.nextInt(2000));
            Instant awake = at(random.nextInt(2000) - 1000);
            Instant due = random.nextBoolean() ? null : at(random.nextInt(2000));
            Instant now = at(random.nextInt(2000));
            IdleVerdict verdict = policy.judge(activity, reports, awake, due, now);
            if (verdict instanceof IdleVerdict.Shelve shelve) {
                String context = "case " + i + ": " + activity + " reports " + reports + " awake " + awake + " due "
                        + due + " now " + now;
                assertEquals(0, activity.connections(), context);
                Instant lastUse = DesktopActivity.latest(activity.lastUsedAt(), awake);
                assertTrue(!now.isBefore(lastUse.plus(policy.shelveAfter().get())), context);
                assertTrue(reports.isAfter(due), context);
            }
        }
    }

    private static Instant maybe(Random random) {
        return random.nextInt(4) == 0 ? null : at(random.nextInt(2000) - 1000);
    }
}
