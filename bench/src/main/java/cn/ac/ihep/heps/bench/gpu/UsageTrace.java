package cn.ac.ihep.heps.bench.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * When the user of one desktop wants to be connected and sends input, minute by minute,
 * reproducible from a seed. Minute 0 is a Monday, 00:00.
 *
 * <ul>
 *   <li>On a weekday the user connects with probability 0.85, on a weekend day 0.25: one to
 *       three sessions a day, the first starting between 08:00 and 14:00, each 30 minutes to 4
 *       hours, with 30 minutes to 3 hours between them. Nights are idle.</li>
 *   <li>Within a session the user works in stretches of 10 to 90 minutes (input every minute)
 *       and takes breaks of 10 to 40 minutes while still connected (probability 0.3 after each
 *       stretch).</li>
 *   <li>With probability 0.15 the day's last session is left open: the tab stays connected, with
 *       no input, for 2 to 14 more hours.</li>
 *   <li>With probability 0.10 a desktop runs one long GPU job: it starts when a session ends and
 *       runs 6 to 30 hours with the session kept open and no input, so the user sees it finish.</li>
 * </ul>
 * Overlapping connections merge into one: a user who comes back to a tab left open works in it.
 */
final class UsageTrace {

    static final double WEEKDAY_USE = 0.85;
    static final double WEEKEND_USE = 0.25;
    static final double TAB_LEFT_OPEN = 0.15;
    static final double GPU_JOB = 0.10;

    /**
     * One connection the user wants, {@code [start, end)} in minutes, with the minutes in which
     * input is sent ({@code [inputStart[i], inputEnd[i])}, sorted) and a GPU job running in
     * {@code [jobStart, jobEnd)} ({@code jobStart == jobEnd} when there is none).
     */
    record Connection(long start, long end, long[] inputStart, long[] inputEnd, long jobStart, long jobEnd) {

        boolean hasJob() {
            return jobEnd > jobStart;
        }

        @Override
        public String toString() {
            return "Connection[" + start + "-" + end + ", input " + java.util.Arrays.toString(inputStart) + "-"
                    + java.util.Arrays.toString(inputEnd) + (hasJob() ? ", job " + jobStart + "-" + jobEnd : "") + "]";
        }
    }

    private UsageTrace() {
    }

    /** The desktop's connections inside its window, sorted and disjoint. */
    static List<Connection> generate(DesktopRequest desktop, long seed) {
        Random random = new Random(seed * 1_000_003L + desktop.id());
        long windowStart = desktop.start() * 60;
        long windowEnd = desktop.end() * 60;
        List<Draft> drafts = new ArrayList<>();
        for (long day = windowStart / 1440; day * 1440 < windowEnd; day++) {
            boolean weekend = day % 7 >= 5;
            if (random.nextDouble() >= (weekend ? WEEKEND_USE : WEEKDAY_USE)) {
                continue;
            }
            int sessions = 1 + random.nextInt(3);
            long at = day * 1440 + 8 * 60 + random.nextInt(6 * 60);
            Draft last = null;
            for (int s = 0; s < sessions; s++) {
                long length = 30 + random.nextInt(211);
                last = session(random, at, at + length);
                drafts.add(last);
                at += length + 30 + random.nextInt(151);
            }
            if (last != null && random.nextDouble() < TAB_LEFT_OPEN) {
                last.end += 120 + random.nextInt(12 * 60 + 1);
            }
        }
        if (!drafts.isEmpty() && random.nextDouble() < GPU_JOB) {
            Draft launch = drafts.get(random.nextInt(drafts.size()));
            launch.jobStart = launch.end;
            launch.jobEnd = launch.end + 6 * 60 + random.nextInt(24 * 60 + 1);
            launch.end = Math.max(launch.end, launch.jobEnd);
        }
        return clipAndMerge(drafts, windowStart, windowEnd);
    }

    /** Work in stretches with breaks, from {@code start} to {@code end}. */
    private static Draft session(Random random, long start, long end) {
        Draft draft = new Draft(start, end);
        long at = start;
        while (at < end) {
            long stretchEnd = Math.min(end, at + 10 + random.nextInt(81));
            draft.inputs.add(new long[] {at, stretchEnd});
            at = stretchEnd;
            if (random.nextDouble() < 0.3) {
                at += 10 + random.nextInt(31);
            }
        }
        return draft;
    }

    private static List<Connection> clipAndMerge(List<Draft> drafts, long windowStart, long windowEnd) {
        drafts.sort((a, b) -> Long.compare(a.start, b.start));
        List<Draft> merged = new ArrayList<>();
        for (Draft draft : drafts) {
            Draft previous = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (previous != null && draft.start <= previous.end) {
                previous.end = Math.max(previous.end, draft.end);
                previous.inputs.addAll(draft.inputs);
                if (draft.jobEnd > draft.jobStart) {
                    previous.jobStart = draft.jobStart;
                    previous.jobEnd = draft.jobEnd;
                }
            } else {
                merged.add(draft);
            }
        }
        List<Connection> connections = new ArrayList<>();
        for (Draft draft : merged) {
            long start = Math.max(draft.start, windowStart);
            long end = Math.min(draft.end, windowEnd);
            if (end <= start) {
                continue;
            }
            List<long[]> inputs = new ArrayList<>();
            for (long[] input : draft.inputs) {
                long from = Math.max(input[0], start);
                long to = Math.min(input[1], end);
                if (to > from) {
                    inputs.add(new long[] {from, to});
                }
            }
            inputs.sort((a, b) -> Long.compare(a[0], b[0]));
            long[] inputStart = new long[inputs.size()];
            long[] inputEnd = new long[inputs.size()];
            for (int i = 0; i < inputs.size(); i++) {
                inputStart[i] = inputs.get(i)[0];
                inputEnd[i] = inputs.get(i)[1];
            }
            long jobStart = Math.max(draft.jobStart, start);
            long jobEnd = Math.min(draft.jobEnd, end);
            connections.add(new Connection(start, end, inputStart, inputEnd,
                    jobEnd > jobStart ? jobStart : 0, jobEnd > jobStart ? jobEnd : 0));
        }
        return connections;
    }

    private static final class Draft {
        final long start;
        long end;
        final List<long[]> inputs = new ArrayList<>();
        long jobStart;
        long jobEnd;

        Draft(long start, long end) {
            this.start = start;
            this.end = end;
        }
    }
}
