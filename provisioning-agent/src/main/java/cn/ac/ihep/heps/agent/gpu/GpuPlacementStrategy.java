package cn.ac.ihep.heps.agent.gpu;

import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.util.List;

/**
 * Chooses the compute host for one GPU desktop from Placement's current view of the hosts.
 *
 * <p>Implementations are pure functions of their arguments: the same request and inventory
 * give the same decision. They return {@link PlacementDecision.Hold} (never throw) when no
 * host has enough free GPUs of the requested class, so the caller can keep the desktop
 * pending and retry when capacity frees.
 */
public interface GpuPlacementStrategy {

    PlacementDecision place(GpuRequest request, List<GpuInventory> inventory);
}
