/**
 * Where a GPU desktop goes, and whether it can go anywhere yet.
 *
 * <p>How the agent uses it, once per desktop that needs GPUs and has no server yet:
 * <ol>
 *   <li>read {@code CloudProvider.gpuInventory()} (Placement's view per compute host);</li>
 *   <li>ask {@link cn.ac.ihep.heps.agent.gpu.PackingGpuPlacement} with a
 *       {@link cn.ac.ihep.heps.agent.gpu.GpuRequest} built from the flavor (its
 *       {@code pci_passthrough:alias} count, and the resource class Placement uses for that
 *       alias);</li>
 *   <li>on {@code Place}, boot with {@code ServerRequest.targetHost} set to that host (Nova's
 *       {@code nova:<host>} zone, an admin call); on {@code Hold}, keep the desktop pending,
 *       record and log the reason, and ask again on the next pass, since capacity frees as
 *       other desktops are shelved or deleted.</li>
 * </ol>
 * When several desktops are pending in one pass, placing them one at a time with a fresh
 * inventory (the previous placement counted as used) keeps the decisions consistent.
 *
 * <p>{@link cn.ac.ihep.heps.agent.gpu.GpuInventoryReport} is what {@code heps gpus} shows,
 * including the stranded GPUs it defines.
 */
package cn.ac.ihep.heps.agent.gpu;
