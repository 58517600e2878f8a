/**
 * Where a GPU desktop goes, and whether it can go anywhere yet.
 *
 * <p>How the agent uses it, once per reconcile pass that has GPU desktops to boot or to show:
 * <ol>
 *   <li>read {@code CloudProvider.gpuInventory()} (Placement's view per compute host);</li>
 *   <li>build a {@link cn.ac.ihep.heps.agent.gpu.GpuCalendar} from it, the desktops already on
 *       hosts (free again when their window ends) and every known desktop without a VM; the
 *       {@link cn.ac.ihep.heps.agent.gpu.GpuCalendarPlanner} admits the most desktops the GPUs
 *       can carry over time and places them;</li>
 *   <li>for a desktop due now, {@code decide} gives {@code Place} (boot with
 *       {@code ServerRequest.targetHost}, Nova's {@code nova:<host>} zone, an admin call) or
 *       {@code Hold} with a reason (keep it pending, record and log the reason, ask again next
 *       pass); for a later one, {@code outlook} says where it is planned or why it is at risk.</li>
 * </ol>
 * {@link cn.ac.ihep.heps.agent.gpu.PackingGpuPlacement} and
 * {@link cn.ac.ihep.heps.agent.gpu.SpreadingGpuPlacement} decide one desktop from the
 * inventory alone; the calendar falls back on packing when Placement has moved under its plan,
 * and the GPU simulation in {@code bench/} compares all of them.
 *
 * <p>{@link cn.ac.ihep.heps.agent.gpu.GpuInventoryReport} is what {@code heps gpus} shows,
 * including the stranded GPUs it defines.
 */
package cn.ac.ihep.heps.agent.gpu;
