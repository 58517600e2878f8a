package cn.ac.ihep.heps.agent.gpu;

import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The GPUs of one resource class on each compute host. Placement may report several resource
 * providers for one host (one per PCI device or per physical function), so rows with the same
 * host and class are added up: a desktop sees the host, not the provider tree.
 */
final class HostGpus {

    private HostGpus() {
    }

    /** One row per host offering {@code resourceClass}, in the order hosts first appear. */
    static List<GpuInventory> ofClass(String resourceClass, List<GpuInventory> inventory) {
        Objects.requireNonNull(inventory, "inventory");
        Map<String, GpuInventory> byHost = new LinkedHashMap<>();
        for (GpuInventory row : inventory) {
            Objects.requireNonNull(row, "inventory row");
            if (row.total() < 0 || row.used() < 0) {
                throw new IllegalArgumentException("GPU inventory of host " + row.host()
                        + " has a negative count: total " + row.total() + ", used " + row.used());
            }
            if (!row.resourceClass().equals(resourceClass)) {
                continue;
            }
            byHost.merge(row.host(), row, (a, b) -> new GpuInventory(a.host(), a.resourceClass(),
                    a.total() + b.total(), a.used() + b.used()));
        }
        return new ArrayList<>(byHost.values());
    }
}
