package cn.ac.ihep.heps.common.cloud;

import java.util.Map;

/** A flavor with its extra specs (where {@code pci_passthrough:alias} asks for GPUs). */
public record CloudFlavor(String id, String name, int vcpus, int ramMb, int diskGb, Map<String, String> extraSpecs) {

    public static final String PCI_ALIAS_SPEC = "pci_passthrough:alias";

    public CloudFlavor {
        extraSpecs = Map.copyOf(extraSpecs);
    }

    /** GPUs this flavor asks for through {@code pci_passthrough:alias = <alias>:<count>}; 0 when none. */
    public int gpuCount() {
        String spec = extraSpecs.get(PCI_ALIAS_SPEC);
        if (spec == null || spec.isBlank()) {
            return 0;
        }
        int total = 0;
        for (String request : spec.split(",")) {
            String[] aliasAndCount = request.trim().split(":");
            total += aliasAndCount.length == 2 ? Integer.parseInt(aliasAndCount[1].trim()) : 1;
        }
        return total;
    }
}
