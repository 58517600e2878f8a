package cn.ac.ihep.heps.common.cloud.openstack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cn.ac.ihep.heps.common.cloud.GpuInventory;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GPU inventory from a Placement with both kinds of GPU CONTRACTS §2 allows: passed-through
 * PCI GPUs (trait COMPUTE_MANAGED_PCI_DEVICE) on one host and a vGPU-capable GPU (a VGPU
 * inventory, no trait) on another, served by a loopback Keystone and Placement stand-in. The
 * shared test bed has no vGPUs, and adding one there would change what every concurrent GPU
 * test reads from it.
 */
class GpuInventoryTest {

    private static final String PROVIDERS = """
            {"resource_providers": [
              {"uuid": "c1", "name": "heps-compute-1", "root_provider_uuid": "c1"},
              {"uuid": "g1", "name": "heps-compute-1_0000:01:00.0", "root_provider_uuid": "c1"},
              {"uuid": "g2", "name": "heps-compute-1_0000:02:00.0", "root_provider_uuid": "c1"},
              {"uuid": "c2", "name": "heps-compute-2", "root_provider_uuid": "c2"},
              {"uuid": "v1", "name": "heps-compute-2_pci_0000_81_00_0", "root_provider_uuid": "c2"},
              {"uuid": "v2", "name": "heps-compute-2_pci_0000_82_00_0", "root_provider_uuid": "c2"},
              {"uuid": "n1", "name": "heps-compute-2_nic", "root_provider_uuid": "c2"}]}
            """;
    private static final Map<String, String> INVENTORIES = Map.of(
            "c1", "{\"VCPU\": {\"total\": 64, \"reserved\": 0}, \"MEMORY_MB\": {\"total\": 262144, \"reserved\": 0}}",
            "c2", "{\"VCPU\": {\"total\": 64, \"reserved\": 0}}",
            "g1", "{\"CUSTOM_GPU_A100\": {\"total\": 1, \"reserved\": 0}}",
            "g2", "{\"CUSTOM_GPU_A100\": {\"total\": 1, \"reserved\": 0}}",
            "v1", "{\"VGPU\": {\"total\": 16, \"reserved\": 2}}",
            "v2", "{\"VGPU\": {\"total\": 8, \"reserved\": 0}}",
            "n1", "{\"CUSTOM_NET_BANDWIDTH\": {\"total\": 100, \"reserved\": 0}}");
    private static final Map<String, String> USAGES = Map.of(
            "c1", "{\"VCPU\": 10}", "c2", "{\"VCPU\": 4}",
            "g1", "{\"CUSTOM_GPU_A100\": 1}", "g2", "{\"CUSTOM_GPU_A100\": 0}",
            // Every vGPU of v2 is in use: the host must still count it.
            "v1", "{\"VGPU\": 3}", "v2", "{\"VGPU\": 8}", "n1", "{}");
    private static final Set<String> PCI_GPUS = Set.of("g1", "g2");

    private final Set<String> read = ConcurrentHashMap.newKeySet();
    private LoopbackOpenStack openstack;

    @BeforeEach
    void start() throws IOException {
        openstack = LoopbackOpenStack.start("heps-admin", "admin", "placement", "placement", "/placement/resource_providers", this::placement);
    }

    @AfterEach
    void stop() {
        openstack.close();
    }

    @Test
    void passedThroughGpusAndVgpusAreCountedPerHostAndNothingElse() {
        List<GpuInventory> inventory = openstack.provider().gpuInventory();

        assertEquals(List.of(
                new GpuInventory("heps-compute-1", "CUSTOM_GPU_A100", 2, 1),
                new GpuInventory("heps-compute-2", "VGPU", 22, 11)), inventory);
        assertEquals(Set.of(), Set.copyOf(read).stream().filter(uuid -> uuid.startsWith("c")).collect(
                java.util.stream.Collectors.toSet()), "compute nodes' own inventories are never read");
    }

    private void placement(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath().substring("/placement/resource_providers".length());
        String query = exchange.getRequestURI().getQuery();
        if (path.isEmpty() && query == null) {
            StandInResponses.respond(exchange, 200, null, null, PROVIDERS);
        } else if (path.isEmpty() && "required=COMPUTE_MANAGED_PCI_DEVICE".equals(query)) {
            StandInResponses.respond(exchange, 200, null, null, """
                    {"resource_providers": [
                      {"uuid": "g1", "name": "heps-compute-1_0000:01:00.0", "root_provider_uuid": "c1"},
                      {"uuid": "g2", "name": "heps-compute-1_0000:02:00.0", "root_provider_uuid": "c1"}]}
                    """);
        } else if (path.endsWith("/inventories")) {
            String uuid = path.split("/")[1];
            read.add(uuid);
            StandInResponses.respond(exchange, 200, null, null, "{\"inventories\": " + INVENTORIES.get(uuid) + "}");
        } else if (path.endsWith("/usages")) {
            String uuid = path.split("/")[1];
            StandInResponses.respond(exchange, 200, null, null, "{\"usages\": " + USAGES.get(uuid) + "}");
        } else {
            StandInResponses.respond(exchange, 404, null, null, "{}");
        }
    }


}
