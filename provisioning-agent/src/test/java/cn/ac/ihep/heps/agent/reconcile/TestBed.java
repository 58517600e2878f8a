package cn.ac.ihep.heps.agent.reconcile;

import cn.ac.ihep.heps.agent.openstack.RestCloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The OpenStack test bed as the reconcile tests use it. */
final class TestBed {
    private static CloudProvider cloud;

    private TestBed() {
    }

    static synchronized CloudProvider cloud() {
        if (cloud == null) {
            // The bed's admin: GPU desktops are placed on a chosen host (nova:<host>).
            java.util.Map<String, String> environment = new java.util.HashMap<>(System.getenv());
            environment.putIfAbsent("OS_CLIENT_CONFIG_FILE", "/var/lib/heps-openstack/clouds.yaml");
            environment.put("OS_CLOUD", System.getenv().getOrDefault("HEPS_TEST_OS_CLOUD", "heps-dev-admin"));
            cloud = RestCloudProvider.fromEnvironment(environment);
        }
        return cloud;
    }

    /** A tiny raw image with the given properties, made with the test bed's openstack client. */
    static String createImage(String name, Map<String, String> properties) throws Exception {
        Path data = Files.createTempFile("heps-image", ".raw");
        Files.write(data, new byte[1024 * 1024]);
        List<String> command = new ArrayList<>(List.of("openstack", "image", "create", name, "--disk-format", "raw",
                "--container-format", "bare", "--file", data.toString(), "-f", "value", "-c", "id"));
        properties.forEach((k, v) -> command.addAll(List.of("--property", k + "=" + v)));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putIfAbsent("OS_CLIENT_CONFIG_FILE", "/var/lib/heps-openstack/clouds.yaml");
        builder.environment().put("OS_CLOUD", System.getenv().getOrDefault("HEPS_TEST_OS_CLOUD", "heps-dev-admin"));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes()).trim();
        Files.deleteIfExists(data);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("openstack image create failed: " + output);
        }
        String[] lines = output.split("\n");
        return lines[lines.length - 1].trim();
    }

    static void deleteImage(String id) {
        try {
            cloud().deleteImage(id);
        } catch (CloudNotFoundException e) {
            // Gone already.
        }
    }

    static CloudServer awaitServer(CloudProvider cloud, String id, Set<ServerState> states, Duration timeout)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        Optional<CloudServer> server = cloud.findServer(id);
        while (Instant.now().isBefore(deadline)) {
            if (server.isPresent() && states.contains(server.get().state())) {
                return server.get();
            }
            if (server.isPresent() && server.get().state() == ServerState.ERROR) {
                throw new AssertionError("Server " + id + " went to ERROR");
            }
            Thread.sleep(500);
            server = cloud.findServer(id);
        }
        throw new AssertionError("Server " + id + " did not reach " + states + " in " + timeout + ": "
                + server.map(s -> s.state().name()).orElse("gone"));
    }

    static void awaitGone(CloudProvider cloud, String id, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            Optional<CloudServer> server = cloud.findServer(id);
            if (server.isEmpty() || server.get().state() == ServerState.DELETED) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("Server " + id + " was not deleted in " + timeout);
    }
}
