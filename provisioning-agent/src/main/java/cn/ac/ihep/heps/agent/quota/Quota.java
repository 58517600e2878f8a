package cn.ac.ihep.heps.agent.quota;

/**
 * Limits on what one experiment may hold; null is no limit.
 *
 * @param desktops desktops (one per member)
 * @param gpus GPUs at once (members × GPUs per desktop)
 * @param gpuHours GPU-hours per beamtime (members × GPUs per desktop × hours of the window)
 */
public record Quota(Integer desktops, Integer gpus, Long gpuHours) {

    public static final Quota NONE = new Quota(null, null, null);

    /** This quota's limits, with {@code fallback}'s where this one sets none. */
    public Quota over(Quota fallback) {
        return new Quota(desktops != null ? desktops : fallback.desktops, gpus != null ? gpus : fallback.gpus,
                gpuHours != null ? gpuHours : fallback.gpuHours);
    }
}
