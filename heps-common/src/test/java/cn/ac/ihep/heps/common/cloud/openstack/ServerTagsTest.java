package cn.ac.ihep.heps.common.cloud.openstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retagging a desktop is one {@code PUT /servers/{id}/tags} with the whole set, at a compute
 * microversion that has tags (2.26 or later), so a running desktop's access changes without a
 * second request that could leave it half-tagged. A loopback Keystone and Nova stand-in records it.
 */
class ServerTagsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Call(String method, String path, String microversion, JsonNode body) {
    }

    private final List<Call> calls = new CopyOnWriteArrayList<>();
    /** How many of the next compute requests are dropped without an answer. */
    private final java.util.concurrent.atomic.AtomicInteger toDrop = new java.util.concurrent.atomic.AtomicInteger();
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
    void theWholeSetGoesInOneRequestSortedAtTheTagMicroversion() {
        provider().setServerTags("s1", Set.of("heps-user:bob", "heps-desktop", "heps-owner:alice"));

        assertEquals(1, calls.size(), calls.toString());
        Call call = calls.get(0);
        assertEquals("PUT", call.method());
        assertEquals("/compute/servers/s1/tags", call.path());
        assertEquals("compute 2.37", call.microversion());
        assertEquals(JSON.createObjectNode().set("tags", JSON.valueToTree(
                List.of("heps-desktop", "heps-owner:alice", "heps-user:bob"))), call.body());
    }

    @Test
    void aRequestDroppedWithoutAnAnswerIsSentOnceMore() {
        toDrop.set(1);
        provider().setServerTags("s1", Set.of("heps-desktop"));

        assertEquals(2, calls.size(), "the dropped PUT and the one answered: " + calls);
    }

    @Test
    void aDroppedRequestTwiceIsReportedUnavailable() {
        toDrop.set(2);
        assertThrows(cn.ac.ihep.heps.common.cloud.CloudUnavailableException.class,
                () -> provider().setServerTags("s1", Set.of("heps-desktop")));
        assertEquals(2, calls.size(), calls.toString());
    }

    @Test
    void anUnknownServerIsNotFound() {
        assertThrows(CloudNotFoundException.class, () -> provider().setServerTags("gone", Set.of("heps-desktop")));
    }

    private OpenStackCloudProvider provider() {
        return openstack.provider();
    }

    private void compute(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String path = exchange.getRequestURI().getPath();
        calls.add(new Call(exchange.getRequestMethod(), path,
                exchange.getRequestHeaders().getFirst("OpenStack-API-Version"),
                body.length == 0 ? null : JSON.readTree(body)));
        if (toDrop.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            exchange.close(); // no status line: the client reads end of stream
            return;
        }
        if (path.equals("/compute/servers/s1/tags")) {
            StandInResponses.respond(exchange, 200, null, null, new String(body, java.nio.charset.StandardCharsets.UTF_8));
        } else {
            StandInResponses.respond(exchange, 404, null, null, "{\"itemNotFound\": {\"code\": 404, \"message\": \"not found\"}}");
        }
    }

}
