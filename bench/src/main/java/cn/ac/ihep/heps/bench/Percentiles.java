package cn.ac.ihep.heps.bench;

/** The statistics the benchmarks report, one definition for all of them. */
public final class Percentiles {

    private Percentiles() {
    }

    /** Nearest-rank percentile of ascending values. */
    public static double nearestRank(double[] sorted, double percent) {
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** The median of ascending values (the mean of the middle two for an even count). */
    public static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
