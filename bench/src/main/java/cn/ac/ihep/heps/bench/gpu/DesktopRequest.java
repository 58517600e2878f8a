package cn.ac.ihep.heps.bench.gpu;

/**
 * One GPU desktop in a trace: it asks for {@code gpus} GPUs on one host from start to end
 * (hours). {@code announced} is when the agent learns of it (the experiment is scheduled).
 */
record DesktopRequest(int id, long start, long end, int gpus, long announced) {

    DesktopRequest {
        if (end <= start) {
            throw new IllegalArgumentException("desktop " + id + " ends before it starts");
        }
        if (announced > start) {
            throw new IllegalArgumentException("desktop " + id + " is announced after it starts");
        }
        if (gpus < 1) {
            throw new IllegalArgumentException("desktop " + id + " asks for " + gpus + " GPUs");
        }
    }

    /** A desktop the agent learns of only when it is due. */
    DesktopRequest(int id, long start, long end, int gpus) {
        this(id, start, end, gpus, start);
    }

    long hours() {
        return end - start;
    }

    boolean isMultiGpu() {
        return gpus > 1;
    }
}
