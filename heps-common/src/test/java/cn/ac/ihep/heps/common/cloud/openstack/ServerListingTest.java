package cn.ac.ihep.heps.common.cloud.openstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerQuery;
import cn.ac.ihep.heps.common.cloud.ServerState;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A listing costs one Nova call per page, whatever the number of servers: the VM resolver lists
 * every desktop each refresh interval, so a call per server would grow with the site. A loopback
 * Keystone and Nova stand-in serves two pages and records what it was asked.
 */
class ServerListingTest {

    private static final String PAGE_ONE = """
            {"servers": [
              {"id": "s1", "name": "desk-alice", "status": "SHELVED_OFFLOADED",
               "tags": ["heps-desktop", "heps-owner:alice"], "metadata": {"heps.protocol": "vnc"},
               "addresses": {"heps-vm-network": [
                 {"addr": "10.42.0.5", "version": 4, "OS-EXT-IPS:type": "fixed"},
                 {"addr": "fd00::5", "version": 6, "OS-EXT-IPS:type": "fixed"},
                 {"addr": "192.0.2.7", "version": 4, "OS-EXT-IPS:type": "floating"}]},
               "flavor": {"id": "f-gpu1"}, "image": {"id": "img-linux"},
               "OS-EXT-SRV-ATTR:host": "heps-compute-2", "created": "2026-11-25T09:00:00Z",
               "security_groups": [{"name": "heps-desktop"}, {"name": "default"}, {"name": "heps-desktop"}]}],
             "servers_links": [{"rel": "next", "href": "http://ignored/servers/detail?marker=s1"}]}
            """;
    private static final String PAGE_TWO = """
            {"servers": [
              {"id": "s2", "name": "desk-bob", "status": "ACTIVE",
               "tags": ["heps-desktop", "heps-group:p-2026-001"], "metadata": {},
               "addresses": {}, "flavor": {"id": "f-cpu"}, "image": "", "created": "2026-11-25T09:05:00Z"}]}
            """;

    private final List<String> computeRequests = new CopyOnWriteArrayList<>();
    private final List<String> microversions = new CopyOnWriteArrayList<>();
    private LoopbackOpenStack openstack;

    @BeforeEach
    void start() throws IOException {
        openstack = LoopbackOpenStack.start("heps-agent", "member", "compute", "nova", "/compute", this::compute);
    }

    @AfterEach
    void stop() {
        openstack.close();
    }

    @Test
    void everyServerWithItsTagsComesFromOneCallPerPage() {
        List<CloudServer> servers = provider().listServers(ServerQuery.withTag("heps-desktop"));

        assertEquals(2, computeRequests.size(), "one call per page: " + computeRequests);
        assertTrue(computeRequests.get(0).contains("tags=heps-desktop"), computeRequests.get(0));
        assertTrue(computeRequests.get(1).contains("marker=s1"), computeRequests.get(1));
        assertEquals(List.of("compute 2.37", "compute 2.37"), microversions);

        CloudServer alice = servers.get(0);
        assertEquals(Set.of("heps-desktop", "heps-owner:alice"), alice.tags());
        assertEquals(ServerState.SHELVED_OFFLOADED, alice.state());
        assertEquals(Optional.of("10.42.0.5"), alice.fixedAddressOn("heps-vm-network"));
        assertEquals(List.of("10.42.0.5"), alice.fixedAddresses().get("heps-vm-network"));
        assertEquals("192.0.2.7", alice.floatingAddress());
        assertEquals("f-gpu1", alice.flavorId());
        assertEquals("img-linux", alice.imageId());
        assertEquals("heps-compute-2", alice.host());
        assertEquals(Map.of("heps.protocol", "vnc"), alice.metadata());
        assertEquals(Instant.parse("2026-11-25T09:00:00Z"), alice.created());
        assertEquals(Set.of("heps-desktop", "default"), alice.securityGroups(), "one name per group, whatever the ports");

        CloudServer bob = servers.get(1);
        assertEquals(Set.of("heps-desktop", "heps-group:p-2026-001"), bob.tags());
        assertNull(bob.imageId(), "a server booted from a volume has no image");
        assertNull(bob.host());
        assertEquals(Set.of(), bob.securityGroups(), "Nova leaves the field out for a server without ports");
    }

    @Test
    void anyOfTagsTravelAsTagsAny() {
        provider().listServers(ServerQuery.withTagAndAnyOf("heps-desktop", Set.of("heps-owner:alice", "heps-group:g")));

        String query = URLDecoder.decode(computeRequests.get(0), StandardCharsets.UTF_8);
        assertTrue(query.contains("tags-any=heps-group:g,heps-owner:alice"), query);
    }

    @Test
    void aMissingServerIsEmptyNotAnError() {
        assertEquals(Optional.empty(), provider().findServer("gone"));
    }

    private OpenStackCloudProvider provider() {
        return openstack.provider();
    }

    private void compute(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String query = exchange.getRequestURI().getRawQuery();
        if (path.equals("/compute/servers/detail")) {
            computeRequests.add(query);
            microversions.add(exchange.getRequestHeaders().getFirst("OpenStack-API-Version"));
            StandInResponses.respond(exchange, 200, null, null, query.contains("marker=s1") ? PAGE_TWO : PAGE_ONE);
        } else {
            StandInResponses.respond(exchange, 404, null, null, "{\"itemNotFound\": {\"code\": 404, \"message\": \"not found\"}}");
        }
    }


}
