package cn.ac.ihep.heps.agent.gpu;

import java.util.Objects;

/**
 * What one desktop asks of the GPU hosts: {@code count} GPUs of one Placement resource class
 * (for example {@code CUSTOM_GPU_A100}), all on the same compute host, because PCI passthrough
 * cannot span hosts.
 */
public record GpuRequest(String resourceClass, int count) {

    public GpuRequest {
        Objects.requireNonNull(resourceClass, "resourceClass");
        if (resourceClass.isBlank()) {
            throw new IllegalArgumentException("GPU resource class must not be blank");
        }
        if (count < 1) {
            throw new IllegalArgumentException(
                    "GPU count must be at least 1, was " + count + " for " + resourceClass);
        }
    }

    /** True for requests that need more than one GPU on the same host. */
    public boolean isMultiGpu() {
        return count > 1;
    }
}
