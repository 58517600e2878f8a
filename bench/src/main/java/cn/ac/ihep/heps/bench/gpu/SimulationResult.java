package cn.ac.ihep.heps.bench.gpu;

/**
 * What one run over a trace produced. The stranded figures are time averages, in GPUs, over
 * the whole trace: {@code strandedBelow2} counts a host's free GPUs when fewer than 2 are free
 * there (the report's definition with no multi-GPU desktop pending), {@code strandedBelow4}
 * when fewer than 4 are free (GPUs that no 4-GPU desktop could use).
 */
record SimulationResult(
        int singleRequested, int singleRejected,
        int multiRequested, int multiRejected,
        long gpuHoursRequested, long gpuHoursAccepted,
        double strandedBelow2, double strandedBelow4, double wholeFreeHosts) {

    int requested() {
        return singleRequested + multiRequested;
    }

    int rejected() {
        return singleRejected + multiRejected;
    }

    int accepted() {
        return requested() - rejected();
    }

    SimulationResult plus(SimulationResult other) {
        return new SimulationResult(
                singleRequested + other.singleRequested, singleRejected + other.singleRejected,
                multiRequested + other.multiRequested, multiRejected + other.multiRejected,
                gpuHoursRequested + other.gpuHoursRequested, gpuHoursAccepted + other.gpuHoursAccepted,
                strandedBelow2 + other.strandedBelow2, strandedBelow4 + other.strandedBelow4,
                wholeFreeHosts + other.wholeFreeHosts);
    }

    /** Averages the time-averaged figures after {@link #plus} over {@code runs} runs. */
    SimulationResult averagedOver(int runs) {
        return new SimulationResult(singleRequested, singleRejected, multiRequested, multiRejected,
                gpuHoursRequested, gpuHoursAccepted,
                strandedBelow2 / runs, strandedBelow4 / runs, wholeFreeHosts / runs);
    }
}
