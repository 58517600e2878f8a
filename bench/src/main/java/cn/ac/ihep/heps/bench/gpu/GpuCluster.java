package cn.ac.ihep.heps.bench.gpu;

import java.util.ArrayList;
import java.util.List;

/** The simulated GPU hosts: one resource class, each host with a fixed number of GPUs. */
record GpuCluster(String resourceClass, List<Host> hosts) {

    record Host(String name, int gpus) {
    }

    GpuCluster {
        hosts = List.copyOf(hosts);
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("a cluster needs at least one GPU host");
        }
    }

    /** {@code fourGpuHosts} hosts with 4 GPUs, then {@code eightGpuHosts} hosts with 8. */
    static GpuCluster of(String resourceClass, int fourGpuHosts, int eightGpuHosts) {
        List<Host> hosts = new ArrayList<>();
        for (int i = 1; i <= fourGpuHosts; i++) {
            hosts.add(new Host(String.format("gpu4-%02d", i), 4));
        }
        for (int i = 1; i <= eightGpuHosts; i++) {
            hosts.add(new Host(String.format("gpu8-%02d", i), 8));
        }
        return new GpuCluster(resourceClass, hosts);
    }

    int totalGpus() {
        return hosts.stream().mapToInt(Host::gpus).sum();
    }

    String describe() {
        long fours = hosts.stream().filter(h -> h.gpus() == 4).count();
        long eights = hosts.stream().filter(h -> h.gpus() == 8).count();
        return fours + " hosts × 4 GPUs + " + eights + " hosts × 8 GPUs = " + totalGpus() + " GPUs";
    }
}
