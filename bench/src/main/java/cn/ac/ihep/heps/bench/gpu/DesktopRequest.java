package cn.ac.ihep.heps.bench.gpu;

/** One GPU desktop in a trace: it asks for {@code gpus} GPUs on one host from start to end (hours). */
record DesktopRequest(int id, long start, long end, int gpus) {

    DesktopRequest {
        if (end <= start) {
            throw new IllegalArgumentException("desktop " + id + " ends before it starts");
        }
        if (gpus < 1) {
            throw new IllegalArgumentException("desktop " + id + " asks for " + gpus + " GPUs");
        }
    }

    long hours() {
        return end - start;
    }

    boolean isMultiGpu() {
        return gpus > 1;
    }
}
