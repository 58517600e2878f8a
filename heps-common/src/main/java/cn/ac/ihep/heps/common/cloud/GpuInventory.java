package cn.ac.ihep.heps.common.cloud;

/** GPUs of one resource class on one compute host, as Placement counts them. */
public record GpuInventory(String host, String resourceClass, int total, int used) {

    public int free() {
        return Math.max(0, total - used);
    }
}
