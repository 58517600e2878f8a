package cn.ac.ihep.heps.testsupport.guacamole.web.display;

import java.util.Arrays;
import java.util.OptionalLong;

/**
 * The frames a display received. A frame is a {@code sync} that followed at least one drawing
 * instruction on a visible layer; guacd also sends {@code sync} alone as a keep-alive, and
 * updates its off-screen copy of the screen after the {@code sync}, neither of which is a frame.
 * Times are {@link System#nanoTime()} values. Thread-safe.
 */
public final class FrameLog {

    /** Enough for ten minutes at 60 frames/s; later frames are counted, not timed. */
    static final int MAX_TIMESTAMPS = 36_000;

    private long[] timestamps = new long[256];
    private int count;
    private long syncs;
    private long sourceFrames;
    private long lastFrameNanos;

    synchronized void recordSync(long nanoTime, boolean drew, int framesAtSource) {
        syncs++;
        if (!drew) {
            return;
        }
        sourceFrames += Math.max(framesAtSource, 1);
        lastFrameNanos = nanoTime;
        if (count < MAX_TIMESTAMPS) {
            if (count == timestamps.length) {
                timestamps = Arrays.copyOf(timestamps, Math.min(timestamps.length * 2, MAX_TIMESTAMPS));
            }
            timestamps[count] = nanoTime;
        }
        count++;
    }

    public synchronized int count() {
        return count;
    }

    /** Every {@code sync}, frames and keep-alives. */
    public synchronized long syncs() {
        return syncs;
    }

    /**
     * The frames guacd says it combined into the frames received (its {@code sync} carries that
     * count since 1.5; an older server counts one per frame).
     */
    public synchronized long framesAtSource() {
        return sourceFrames;
    }

    public synchronized OptionalLong lastFrameNanos() {
        return count == 0 ? OptionalLong.empty() : OptionalLong.of(lastFrameNanos);
    }

    public synchronized OptionalLong firstFrameNanos() {
        return count == 0 ? OptionalLong.empty() : OptionalLong.of(timestamps[0]);
    }

    /** The time of each timed frame, in order. */
    public synchronized long[] timestamps() {
        return Arrays.copyOf(timestamps, Math.min(count, MAX_TIMESTAMPS));
    }

    /** Frames received in [from, to), by their {@link System#nanoTime()} values. */
    public synchronized int countBetween(long fromNanos, long toNanos) {
        int n = 0;
        for (int i = 0; i < Math.min(count, MAX_TIMESTAMPS); i++) {
            if (timestamps[i] - fromNanos >= 0 && timestamps[i] - toNanos < 0) {
                n++;
            }
        }
        return n;
    }

    /** Frames per second received in [from, to). */
    public double rateBetween(long fromNanos, long toNanos) {
        return countBetween(fromNanos, toNanos) / ((toNanos - fromNanos) / 1e9);
    }
}
