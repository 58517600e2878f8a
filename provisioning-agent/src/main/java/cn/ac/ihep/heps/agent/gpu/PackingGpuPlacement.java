package cn.ac.ihep.heps.agent.gpu;

import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.util.Comparator;
import java.util.List;

/**
 * Best fit: the host with the fewest free GPUs that still fits the request, so partly used
 * hosts fill up first and whole hosts stay free for the 2- and 4-GPU desktops that need them.
 *
 * <p>Ties (same free count) go to the host that is already in use (a larger total with the
 * same free count), then to the host name, so the decision is deterministic.
 */
public final class PackingGpuPlacement implements GpuPlacementStrategy {

    private static final Comparator<GpuInventory> TIGHTEST_FIRST =
            Comparator.comparingInt(GpuInventory::free)
                    .thenComparing(Comparator.comparingInt(GpuInventory::used).reversed())
                    .thenComparing(GpuInventory::host);

    @Override
    public PlacementDecision place(GpuRequest request, List<GpuInventory> inventory) {
        return GpuAdmission.decide(request, inventory, TIGHTEST_FIRST);
    }
}
