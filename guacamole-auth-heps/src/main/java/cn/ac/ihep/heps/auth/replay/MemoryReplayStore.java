package cn.ac.ihep.heps.auth.replay;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Token ids used on this node ({@code heps-replay-store=memory}); expired ids are swept as we go. */
public final class MemoryReplayStore implements ReplayStore {

    private static final int SWEEP_EVERY = 1024;

    private final Map<String, Instant> used = new ConcurrentHashMap<>();
    private final AtomicLong calls = new AtomicLong();
    private final Clock clock;

    public MemoryReplayStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public boolean firstUse(String tokenId, Instant forgetAfter) {
        Instant now = clock.instant();
        if (calls.incrementAndGet() % SWEEP_EVERY == 0)
            used.values().removeIf(until -> until.isBefore(now));
        boolean[] first = { false };
        used.compute(tokenId, (id, until) -> {
            if (until == null || until.isBefore(now)) {
                first[0] = true;
                return forgetAfter;
            }
            return until;
        });
        return first[0];
    }
}
