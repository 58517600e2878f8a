package cn.ac.ihep.heps.testsupport.guacamole.web.tunnel;

import java.time.Duration;

/** How waiting for frames ended: enough frames, the tunnel ended first, or time ran out. */
public sealed interface FrameWait {

    /** {@code count} frames had arrived, the last at {@code lastFrameNanos} ({@link System#nanoTime()}). */
    record Frames(int count, long lastFrameNanos) implements FrameWait {
    }

    /** The tunnel ended before enough frames arrived. */
    record Ended(TunnelStatus status, int frames) implements FrameWait {
    }

    /** Neither happened in time. */
    record TimedOut(Duration waited, int frames) implements FrameWait {
    }

    default boolean arrived() {
        return this instanceof Frames;
    }
}
