package cn.ac.ihep.heps.bench.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An OpenStack config drive as Nova writes one (ISO 9660 labelled {@code config-2}, with
 * {@code openstack/latest/}), so cloud-init in the guest takes the same path as on a compute
 * host: the ConfigDrive data source, and a static address from {@code network_data.json}.
 * The address is QEMU user networking's guest address on its first NIC's default MAC.
 */
final class ConfigDrive {

    static final String MAC = "52:54:00:12:34:56";

    private ConfigDrive() {
    }

    static Path write(Path iso, String uuid, String hostname, String userData) throws IOException {
        Path dir = Files.createTempDirectory(iso.toAbsolutePath().getParent(), "config-drive-");
        try {
            Path latest = Files.createDirectories(dir.resolve("openstack/latest"));
            Files.writeString(latest.resolve("meta_data.json"), """
                    {"uuid": "%s", "name": "%s", "hostname": "%s", "launch_index": 0, "availability_zone": "nova"}
                    """.formatted(uuid, hostname, hostname));
            Files.writeString(latest.resolve("network_data.json"), """
                    {"links": [{"id": "tap0", "type": "ovs", "ethernet_mac_address": "%s", "mtu": 1500}],
                     "networks": [{"id": "network0", "link": "tap0", "type": "ipv4", "network_id": "bench",
                                   "ip_address": "10.0.2.15", "netmask": "255.255.255.0",
                                   "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "10.0.2.2"}],
                                   "services": [{"type": "dns", "address": "10.0.2.3"}]}],
                     "services": [{"type": "dns", "address": "10.0.2.3"}]}
                    """.formatted(MAC));
            Files.writeString(latest.resolve("user_data"), userData);
            Process genisoimage = new ProcessBuilder("genisoimage", "-quiet", "-output", iso.toString(), "-volid", "config-2",
                    "-joliet", "-rock", dir.toString()).redirectErrorStream(true).start();
            String output = new String(genisoimage.getInputStream().readAllBytes());
            if (!genisoimage.waitFor(60, TimeUnit.SECONDS) || genisoimage.exitValue() != 0) {
                genisoimage.destroyForcibly();
                throw new IOException("genisoimage could not write " + iso + ": " + output);
            }
            return iso;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing " + iso, e);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }
}
