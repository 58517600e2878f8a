package cn.ac.ihep.heps.common.cloud.openstack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.ImageUpload;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Glance v2 upload against a loopback Keystone and Glance stand-in: create, stream the file,
 * wait for active; the half-made image is deleted when a step fails.
 */
class ImageUploadTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID = "0b5c6a1e-5d2f-4c1e-9d7a-3a1f2e4b5c6d";

    /** What the stand-in does with the data PUT. */
    private enum Data { STORE, FAIL, DROP, STAY_SAVING }

    @TempDir
    Path temp;

    private final List<String> calls = new CopyOnWriteArrayList<>();
    private volatile Data data = Data.STORE;
    private volatile String status = "queued";
    private volatile JsonNode created;
    private volatile byte[] received;
    private volatile String receivedType;
    private LoopbackOpenStack openstack;

    @BeforeEach
    void start() throws IOException {
        openstack = LoopbackOpenStack.start("heps-agent", "member", "image", "glance", "/image", this::glance);
    }

    @AfterEach
    void stop() {
        openstack.close();
    }

    @Test
    void createsStreamsTheFileAndWaitsUntilActive() throws Exception {
        byte[] bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(bytes);
        Path file = Files.write(temp.resolve("base.qcow2"), bytes);

        CloudImage image = openstack.provider().uploadImage(upload(), file, Duration.ofSeconds(30));

        assertEquals("active", image.status());
        assertEquals(ID, image.id());
        assertEquals(List.of("POST /image/v2/images", "PUT /image/v2/images/" + ID + "/file", "GET /image/v2/images/" + ID),
                calls);
        assertEquals("heps-base-test-0123456789ab", created.path("name").asText());
        assertEquals("qcow2", created.path("disk_format").asText());
        assertEquals("bare", created.path("container_format").asText());
        assertEquals("private", created.path("visibility").asText());
        assertEquals("virtio", created.path("hw_disk_bus").asText());
        assertEquals("application/octet-stream", receivedType);
        assertArrayEquals(bytes, received);
    }

    @Test
    void aRefusedUploadDeletesTheImage() throws Exception {
        data = Data.FAIL;
        CloudException e = assertThrows(CloudException.class,
                () -> openstack.provider().uploadImage(upload(), smallFile(), Duration.ofSeconds(30)));
        assertTrue(e.getMessage().startsWith("Cannot upload image heps-base-test-0123456789ab (" + ID + "): OpenStack answered 500"),
                e.getMessage());
        assertEquals("DELETE /image/v2/images/" + ID, calls.get(calls.size() - 1));
    }

    @Test
    void aDroppedUploadIsNotSentAgainAndDeletesTheImage() throws Exception {
        data = Data.DROP;
        assertThrows(CloudException.class,
                () -> openstack.provider().uploadImage(upload(), smallFile(), Duration.ofSeconds(30)));
        assertEquals(List.of("POST /image/v2/images", "PUT /image/v2/images/" + ID + "/file", "DELETE /image/v2/images/" + ID),
                calls);
    }

    @Test
    void anImageThatNeverGoesActiveIsNamedWithItsStatusAndDeleted() throws Exception {
        data = Data.STAY_SAVING;
        CloudException e = assertThrows(CloudException.class,
                () -> openstack.provider().uploadImage(upload(), smallFile(), Duration.ofSeconds(3)));
        assertEquals("Cannot upload image heps-base-test-0123456789ab (" + ID
                + "): not active by the deadline (last status: saving)", e.getMessage());
        assertEquals("DELETE /image/v2/images/" + ID, calls.get(calls.size() - 1));
    }

    @Test
    void aCoreFieldIsNoProperty() {
        ImageUpload bad = new ImageUpload("x", "qcow2", "bare", false, Map.of("visibility", "public"));
        assertThrows(CloudException.class, () -> openstack.provider().uploadImage(bad, temp, Duration.ofSeconds(3)));
        assertEquals(List.of(), calls);
    }

    private static ImageUpload upload() {
        return new ImageUpload("heps-base-test-0123456789ab", "qcow2", "bare", false,
                Map.of("hw_disk_bus", "virtio", "os_type", "linux"));
    }

    private Path smallFile() throws IOException {
        return Files.write(temp.resolve("small.qcow2"), new byte[4096]);
    }

    private void glance(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        calls.add(method + " " + path);
        switch (method) {
            case "POST" -> {
                created = JSON.readTree(body);
                StandInResponses.respond(exchange, 201, null, null, image());
            }
            case "PUT" -> {
                receivedType = exchange.getRequestHeaders().getFirst("Content-Type");
                received = body;
                switch (data) {
                    case FAIL -> StandInResponses.respond(exchange, 500, null, null, "{\"message\": \"store full\"}");
                    case DROP -> exchange.close();
                    default -> {
                        status = data == Data.STAY_SAVING ? "saving" : "active";
                        exchange.sendResponseHeaders(204, -1);
                        exchange.close();
                    }
                }
            }
            case "GET" -> StandInResponses.respond(exchange, 200, null, null, image());
            default -> {
                status = "deleted";
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            }
        }
    }

    private String image() {
        return """
                {"id": "%s", "name": "heps-base-test-0123456789ab", "status": "%s", "visibility": "private",
                 "disk_format": "qcow2", "container_format": "bare", "created_at": "2026-12-01T10:00:00Z",
                 "hw_disk_bus": "virtio"}
                """.formatted(ID, status);
    }
}
