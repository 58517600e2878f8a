package cn.ac.ihep.heps.agent.gpu;

import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.util.Comparator;
import java.util.List;

/**
 * Most free GPUs first, which is how Nova's default weighers behave for a PCI request (the
 * PCI weigher and the RAM weigher both favour the emptiest host). Kept to compare against
 * {@link PackingGpuPlacement} and for sites that prefer spreading load over keeping hosts whole.
 *
 * <p>Ties go to the host name, so the decision is deterministic.
 */
public final class SpreadingGpuPlacement implements GpuPlacementStrategy {

    private static final Comparator<GpuInventory> EMPTIEST_FIRST =
            Comparator.comparingInt(GpuInventory::free).reversed()
                    .thenComparing(GpuInventory::host);

    @Override
    public PlacementDecision place(GpuRequest request, List<GpuInventory> inventory) {
        return GpuAdmission.decide(request, inventory, EMPTIEST_FIRST);
    }
}
