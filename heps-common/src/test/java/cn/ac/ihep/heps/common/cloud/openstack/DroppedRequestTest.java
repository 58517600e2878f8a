package cn.ac.ihep.heps.common.cloud.openstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cn.ac.ihep.heps.common.cloud.CloudUnavailableException;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A request the service closes without a byte of answer (a proxy or server dropping an idle
 * keep-alive connection as the request crosses it) is sent once more when repeating it is safe,
 * and never when it may have acted. A loopback Keystone and Neutron stand-in drops requests.
 */
class DroppedRequestTest {

    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final AtomicInteger toDrop = new AtomicInteger();
    private LoopbackOpenStack openstack;

    @BeforeEach
    void start() throws IOException {
        openstack = LoopbackOpenStack.start("heps-agent", "member", "network", "neutron", "/network", this::network);
    }

    @AfterEach
    void stop() {
        openstack.close();
    }

    @Test
    void aDroppedDeleteIsSentOnceMore() {
        toDrop.set(1);
        provider().deleteSecurityGroup("sg-1");
        assertEquals(List.of("DELETE", "DELETE"), calls);
    }

    @Test
    void aDroppedCreateIsNotRepeatedForItMayHaveActed() {
        toDrop.set(1);
        CloudUnavailableException e = assertThrows(CloudUnavailableException.class,
                () -> provider().createSecurityGroup("heps-desktop", "desktop ports from guacd"));
        assertEquals(List.of("POST"), calls);
        assertEquals(true, e.getMessage().startsWith("Cannot create security group heps-desktop: network did not answer"),
                e.getMessage());
    }

    @Test
    void aSlowAnswerIsNotAskedTwice() {
        assertEquals(false, JsonApi.droppedWithoutAnswer(new java.net.http.HttpTimeoutException("request timed out")));
        assertEquals(false, JsonApi.droppedWithoutAnswer(new java.net.ConnectException("Connection refused")));
        assertEquals(true, JsonApi.droppedWithoutAnswer(new IOException("HTTP/1.1 header parser received no bytes")));
    }

    private OpenStackCloudProvider provider() {
        return openstack.provider();
    }

    private void network(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        calls.add(exchange.getRequestMethod());
        if (toDrop.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            exchange.close(); // no status line: the client reads end of stream
            return;
        }
        if (exchange.getRequestMethod().equals("DELETE")) {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        } else {
            StandInResponses.respond(exchange, 201, null, null,
                    "{\"security_group\": {\"id\": \"sg-1\", \"name\": \"heps-desktop\", \"security_group_rules\": []}}");
        }
    }

}
