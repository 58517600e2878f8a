package cn.ac.ihep.heps.bench.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A synthetic year of beamtime desktops, reproducible from a seed.
 *
 * <p>Beamtime is allocated in 8-hour shifts, so every desktop starts at a shift boundary and
 * lasts a whole number of shifts. Experiments arrive as a Poisson process; each brings one to
 * three members, and every member of an experiment gets a desktop with the same GPU count for
 * the same window (that is how the agent provisions them). The arrival rate is derived from
 * the offered load: GPU-hours asked for per hour, over the GPUs the cluster has.
 */
final class BeamtimeTrace {

    static final int SHIFT_HOURS = 8;

    /** Beamtime lengths in shifts and their weights: one day to six days. */
    private static final int[] SHIFTS = {3, 6, 9, 12, 18};
    private static final double[] SHIFT_WEIGHTS = {0.30, 0.30, 0.20, 0.10, 0.10};

    /** GPUs per desktop and their weights: mostly single-GPU, some 2- and 4-GPU analysis desktops. */
    private static final int[] GPUS = {1, 2, 4};
    private static final double[] GPU_WEIGHTS = {0.60, 0.25, 0.15};

    /** Members per experiment: 1, 2 or 3 with these weights. */
    private static final int[] MEMBERS = {1, 2, 3};
    private static final double[] MEMBER_WEIGHTS = {0.50, 0.30, 0.20};

    /**
     * How long before its window the agent learns of an experiment. Drawn from a random
     * stream of its own, so the same seed gives the same desktops under every notice model.
     */
    enum Notice {
        /** Only when the window opens: every decision is made with no knowledge of the future. */
        NONE(0, 0, 0, 0, 0),
        /** Short notice only: 0 to 7 days ahead. */
        SHORT(0, 0, 0, 0, 7),
        /**
         * A facility's run cycle: 70 % of experiments come with the published schedule, 14
         * to 90 days ahead; 30 % are rapid-access or rescheduled beamtime, 0 to 7 days ahead.
         */
        CYCLE(0.70, 14, 90, 0, 7);

        private final double scheduledShare;
        private final int scheduledMinDays;
        private final int scheduledMaxDays;
        private final int shortMinDays;
        private final int shortMaxDays;

        Notice(double scheduledShare, int scheduledMinDays, int scheduledMaxDays, int shortMinDays,
                int shortMaxDays) {
            this.scheduledShare = scheduledShare;
            this.scheduledMinDays = scheduledMinDays;
            this.scheduledMaxDays = scheduledMaxDays;
            this.shortMinDays = shortMinDays;
            this.shortMaxDays = shortMaxDays;
        }

        /** Hours of notice for one experiment. */
        long draw(Random random) {
            boolean scheduled = random.nextDouble() < scheduledShare;
            int min = scheduled ? scheduledMinDays : shortMinDays;
            int max = scheduled ? scheduledMaxDays : shortMaxDays;
            return Math.round((min + random.nextDouble() * (max - min)) * 24);
        }
    }

    private BeamtimeTrace() {
    }

    /** {@link #generate(long, double, int, int, Notice)} with no notice at all. */
    static List<DesktopRequest> generate(long seed, double offeredLoad, int totalGpus, int days) {
        return generate(seed, offeredLoad, totalGpus, days, Notice.NONE);
    }

    /**
     * Desktops arriving over {@code days} days, sorted by start (then id), with a mean
     * offered load of {@code offeredLoad} (0.8 = 80 %) of {@code totalGpus}, each announced
     * as {@code notice} says.
     */
    static List<DesktopRequest> generate(long seed, double offeredLoad, int totalGpus, int days,
            Notice notice) {
        if (offeredLoad <= 0 || totalGpus <= 0 || days <= 0) {
            throw new IllegalArgumentException("load, GPUs and days must be positive");
        }
        double gpuHoursPerExperiment = mean(MEMBERS, MEMBER_WEIGHTS) * mean(GPUS, GPU_WEIGHTS)
                * mean(SHIFTS, SHIFT_WEIGHTS) * SHIFT_HOURS;
        double experimentsPerHour = offeredLoad * totalGpus / gpuHoursPerExperiment;

        Random random = new Random(seed);
        Random leads = new Random(seed * 7919 + 17);
        List<DesktopRequest> desktops = new ArrayList<>();
        double horizon = days * 24.0;
        double time = 0;
        int id = 0;
        while (true) {
            time += -Math.log(1 - random.nextDouble()) / experimentsPerHour;
            if (time >= horizon) {
                break;
            }
            // The experiment's window opens at the next shift boundary.
            long start = (long) Math.ceil(time / SHIFT_HOURS) * SHIFT_HOURS;
            long end = start + (long) pick(random, SHIFTS, SHIFT_WEIGHTS) * SHIFT_HOURS;
            int gpus = pick(random, GPUS, GPU_WEIGHTS);
            int members = pick(random, MEMBERS, MEMBER_WEIGHTS);
            // With no notice the agent learns of the experiment when it arrives, as before.
            long announced = notice == Notice.NONE ? (long) Math.floor(time)
                    : start - notice.draw(leads);
            for (int m = 0; m < members; m++) {
                desktops.add(new DesktopRequest(id++, start, end, gpus, Math.min(announced, start)));
            }
        }
        return desktops;
    }

    static double meanGpusPerDesktop() {
        return mean(GPUS, GPU_WEIGHTS);
    }

    private static int pick(Random random, int[] values, double[] weights) {
        double u = random.nextDouble();
        double sum = 0;
        for (int i = 0; i < values.length; i++) {
            sum += weights[i];
            if (u < sum) {
                return values[i];
            }
        }
        return values[values.length - 1];
    }

    private static double mean(int[] values, double[] weights) {
        double mean = 0;
        for (int i = 0; i < values.length; i++) {
            mean += values[i] * weights[i];
        }
        return mean;
    }
}
