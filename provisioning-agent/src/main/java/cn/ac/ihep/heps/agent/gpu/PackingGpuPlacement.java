package cn.ac.ihep.heps.agent.gpu;

import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.util.Comparator;
import java.util.List;

/**
 * Packs GPU desktops so whole hosts stay free for the 2- and 4-GPU desktops that need them.
 * Among the hosts with enough free GPUs of the requested class it prefers, in this order:
 * <ol>
 *   <li>a host already in use over a host with all its GPUs free, so a whole host is only
 *       broken into when no partly used host fits;</li>
 *   <li>the fewest free GPUs (best fit), so the largest free blocks survive; among whole
 *       hosts this picks the smallest one that fits, keeping 8-GPU hosts whole for longer;</li>
 *   <li>the host name, so the decision is deterministic whatever the inventory order.</li>
 * </ol>
 * Because of the first rule, one decision never leaves fewer wholly free hosts than
 * {@link SpreadingGpuPlacement} would on the same inventory.
 */
public final class PackingGpuPlacement implements GpuPlacementStrategy {

    private static final Comparator<GpuInventory> PARTLY_USED_THEN_TIGHTEST =
            Comparator.comparing((GpuInventory host) -> host.used() == 0)
                    .thenComparingInt(GpuInventory::free)
                    .thenComparing(GpuInventory::host);

    @Override
    public PlacementDecision place(GpuRequest request, List<GpuInventory> inventory) {
        return GpuAdmission.decide(request, inventory, PARTLY_USED_THEN_TIGHTEST);
    }
}
