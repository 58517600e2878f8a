package cn.ac.ihep.heps.agent.gpu;

import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * What {@code heps gpus} shows: per host and per resource class, GPUs in total, in use, free,
 * and stranded.
 *
 * <p><b>Stranded</b>, per resource class: let <i>k</i> be the smallest GPU count among the
 * pending multi-GPU requests of that class, or 2 when none is pending (the smallest desktop
 * that needs GPUs together). A host's free GPUs are stranded when there are some but fewer
 * than <i>k</i>: they are idle, yet no waiting multi-GPU desktop can use them, and only
 * smaller desktops ever will. A host with no free GPUs, or with at least <i>k</i>, strands none.
 * Pending 1-GPU requests never change <i>k</i>.
 */
public record GpuInventoryReport(List<HostLine> hosts, List<ClassLine> classes) {

    /** The smallest multi-GPU desktop; the threshold when no multi-GPU request is pending. */
    public static final int SMALLEST_MULTI_GPU = 2;

    /** One host and one resource class. */
    public record HostLine(String host, String resourceClass, int total, int used, int free,
            int stranded) {
    }

    /**
     * One resource class over all hosts. {@code strandedBelow} is the threshold <i>k</i> used;
     * {@code wholeFreeHosts} counts hosts with every GPU of the class free; {@code largestFree}
     * is the most GPUs one new desktop of this class could get right now.
     */
    public record ClassLine(String resourceClass, int hosts, int total, int used, int free,
            int stranded, int strandedBelow, int wholeFreeHosts, int largestFree) {
    }

    public GpuInventoryReport {
        hosts = List.copyOf(hosts);
        classes = List.copyOf(classes);
    }

    /** The report for the hosts as they are, with no request pending. */
    public static GpuInventoryReport of(List<GpuInventory> inventory) {
        return of(inventory, List.of());
    }

    /** The report for the hosts as they are, with {@code pending} waiting for capacity. */
    public static GpuInventoryReport of(List<GpuInventory> inventory, List<GpuRequest> pending) {
        Objects.requireNonNull(inventory, "inventory");
        Objects.requireNonNull(pending, "pending");
        TreeSet<String> classNames = new TreeSet<>();
        inventory.forEach(row -> classNames.add(Objects.requireNonNull(row, "inventory row")
                .resourceClass()));

        List<HostLine> hostLines = new ArrayList<>();
        List<ClassLine> classLines = new ArrayList<>();
        for (String resourceClass : classNames) {
            int threshold = strandedBelow(resourceClass, pending);
            List<GpuInventory> rows = new ArrayList<>(HostGpus.ofClass(resourceClass, inventory));
            rows.sort(Comparator.comparing(GpuInventory::host));
            int total = 0;
            int used = 0;
            int free = 0;
            int stranded = 0;
            int wholeFree = 0;
            int largestFree = 0;
            for (GpuInventory row : rows) {
                int hostStranded = strandedOn(row.free(), threshold);
                hostLines.add(new HostLine(row.host(), resourceClass, row.total(), row.used(),
                        row.free(), hostStranded));
                total += row.total();
                used += row.used();
                free += row.free();
                stranded += hostStranded;
                if (row.total() > 0 && row.used() == 0) {
                    wholeFree++;
                }
                largestFree = Math.max(largestFree, row.free());
            }
            classLines.add(new ClassLine(resourceClass, rows.size(), total, used, free, stranded,
                    threshold, wholeFree, largestFree));
        }
        return new GpuInventoryReport(hostLines, classLines);
    }

    /** Free GPUs that count as stranded on one host, for threshold {@code k}. */
    public static int strandedOn(int free, int k) {
        return free > 0 && free < k ? free : 0;
    }

    private static int strandedBelow(String resourceClass, List<GpuRequest> pending) {
        return pending.stream()
                .filter(request -> request.resourceClass().equals(resourceClass))
                .filter(GpuRequest::isMultiGpu)
                .mapToInt(GpuRequest::count)
                .min()
                .orElse(SMALLEST_MULTI_GPU);
    }
}
