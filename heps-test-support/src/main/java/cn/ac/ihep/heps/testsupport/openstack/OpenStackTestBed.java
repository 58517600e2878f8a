package cn.ac.ihep.heps.testsupport.openstack;

import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.openstack.OpenStackCloudProvider;
import cn.ac.ihep.heps.common.cloud.openstack.OpenStackCredentials;
import cn.ac.ihep.heps.common.cloud.openstack.OpenStackSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The machine's OpenStack test bed ({@code dev/openstack/up}), as integration tests find it:
 * through {@code clouds.yaml} at {@code OS_CLIENT_CONFIG_FILE}, else
 * {@code $HEPS_OPENSTACK_HOME/clouds.yaml}, else {@code /var/lib/heps-openstack/clouds.yaml}.
 *
 * <p>When the test bed is not running, {@link #find()} fails the test with how to start it;
 * it never skips.
 */
public final class OpenStackTestBed {

    /** The project's service user in project {@code heps}. */
    public static final String CLOUD = "heps-dev";
    /** The admin (Placement, compute hosts). */
    public static final String ADMIN_CLOUD = "heps-dev-admin";
    public static final String NETWORK = "heps-vm-network";
    public static final String CPU_FLAVOR = "heps.desktop.cpu";
    public static final String ONE_GPU_FLAVOR = "heps.desktop.gpu1";
    public static final String TWO_GPU_FLAVOR = "heps.desktop.gpu2";
    public static final String WINDOWS_IMAGE = "heps-base-windows";
    public static final String LINUX_IMAGE = "heps-base-linux";
    public static final String GPU_RESOURCE_CLASS = "CUSTOM_GPU_A100";
    public static final String GPU_ALIAS = "a100";
    public static final String[] COMPUTE_HOSTS = {"heps-compute-1", "heps-compute-2"};
    /** The host whose guests are real (Nova's libvirt driver on QEMU emulation), and the one flavor it takes. */
    public static final String QEMU_HOST = "heps-compute-qemu";
    public static final String QEMU_FLAVOR = "heps.desktop.qemu";
    /** The host's address on the VM network (bridge heps-br0): guests reach services bound here. */
    public static final String VM_GATEWAY = "10.42.0.1";
    /**
     * Where guacd on this machine connects to desktops from, as the desktops see it: the host side
     * of heps-br0 ({@link #VM_GATEWAY}). Agents on the bed admit the desktop ports from this only.
     */
    public static final String GUACD_CIDR = VM_GATEWAY + "/32";
    /** The VNC port of a Linux desktop and the RDP port of a Windows one, at the VM's own address. */
    /** The guests' package proxy (apt-cacher-ng on the VM network's gateway): Debian's archives only. */
    public static final String PACKAGE_PROXY = "http://" + VM_GATEWAY + ":3142";
    public static final int VNC_PORT = 5900;
    public static final int RDP_PORT = 3389;

    private static final String START_IT = "Start it with `sudo dev/openstack/up` from the repository root "
            + "(it prints the OS_CLIENT_CONFIG_FILE / OS_CLOUD to export).";

    private final Path cloudsYaml;
    private final Path home;

    private OpenStackTestBed(Path cloudsYaml, Path home) {
        this.cloudsYaml = cloudsYaml;
        this.home = home;
    }

    /** The running test bed; fails the calling test when it is not running. */
    public static OpenStackTestBed find() {
        return find(System.getenv());
    }

    static OpenStackTestBed find(Map<String, String> env) {
        Path cloudsYaml = cloudsYamlPath(env);
        if (!Files.isReadable(cloudsYaml)) {
            throw new AssertionError("The OpenStack test bed is not set up: no readable " + cloudsYaml + ". " + START_IT);
        }
        OpenStackTestBed bed = new OpenStackTestBed(cloudsYaml, home(env));
        String keystone = bed.credentials(CLOUD).identityV3Url();
        if (!answers(keystone)) {
            throw new AssertionError("The OpenStack test bed is not running: Keystone at " + keystone
                    + " does not answer. " + START_IT);
        }
        return bed;
    }

    static Path cloudsYamlPath(Map<String, String> env) {
        String explicit = env.get("OS_CLIENT_CONFIG_FILE");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        return home(env).resolve("clouds.yaml");
    }

    static Path home(Map<String, String> env) {
        String home = env.get("HEPS_OPENSTACK_HOME");
        return Path.of(home != null && !home.isBlank() ? home : "/var/lib/heps-openstack");
    }

    /**
     * The state directory the bed's desktop daemon keeps for a server, its guest's "disk":
     * {@code root/} (the files the guest wrote, e.g. {@code root/etc/heps/vncpasswd}), {@code log/}.
     * It exists from the server's first ACTIVE until the server is deleted; root only.
     */
    public Path desktopState(String serverId) {
        return home.resolve("desktops").resolve(serverId);
    }

    /** The network namespace in which the bed plays a server's guest: {@code hv-<first 8 hex of its id>}. */
    public static String guestNamespace(String serverId) {
        return "hv-" + serverId.replace("-", "").substring(0, 8);
    }

    /** What a TCP connection attempt came to. */
    public enum Connect {
        /** The port accepted it. */
        CONNECTED,
        /** The host answered with a reset: nothing listens there, but the packet got through. */
        REFUSED,
        /** No answer: a packet filter dropped it (or nothing is at the address). */
        TIMED_OUT,
        /** No route to the address, or no neighbour answered ARP. */
        UNREACHABLE
    }

    /**
     * Opens a TCP connection from inside a live guest, from its own address on the VM network, as
     * a neighbouring VM would; root only (it enters the guest's network namespace).
     */
    public static Connect connectFromGuest(String serverId, String address, int port, Duration timeout) {
        String probe = String.join("\n",
                "import errno, socket, sys",
                "s = socket.socket()",
                "s.settimeout(float(sys.argv[3]))",
                "try:",
                "    s.connect((sys.argv[1], int(sys.argv[2])))",
                "    print('CONNECTED')",
                "except socket.timeout:",
                "    print('TIMED_OUT')",
                "except ConnectionRefusedError:",
                "    print('REFUSED')",
                "except OSError as e:",
                "    print('UNREACHABLE' if e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH) else 'ERROR %s' % e)");
        ProcessBuilder builder = new ProcessBuilder("ip", "netns", "exec", guestNamespace(serverId), "python3", "-c",
                probe, address, Integer.toString(port), Double.toString(timeout.toMillis() / 1000.0))
                .redirectErrorStream(true);
        try {
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis() + 10_000, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the probe in " + guestNamespace(serverId) + " did not end");
            }
            String output = new String(process.getInputStream().readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8).trim();
            try {
                return Connect.valueOf(output);
            } catch (IllegalArgumentException e) {
                throw new AssertionError("connecting from " + guestNamespace(serverId) + " to " + address + ":" + port
                        + " gave: " + output);
            }
        } catch (java.io.IOException e) {
            throw new AssertionError("cannot enter " + guestNamespace(serverId) + " (run as root): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    public Path cloudsYaml() {
        return cloudsYaml;
    }

    public OpenStackCredentials credentials(String cloud) {
        return OpenStackCredentials.fromCloudsYaml(cloudsYaml, cloud);
    }

    public OpenStackSettings settings(String cloud) {
        return OpenStackSettings.defaults(credentials(cloud));
    }

    /** A provider as the project's service user ({@value #CLOUD}). */
    public CloudProvider provider() {
        return new OpenStackCloudProvider(settings(CLOUD));
    }

    /** A provider as the admin ({@value #ADMIN_CLOUD}): Placement, compute hosts, target hosts. */
    public CloudProvider adminProvider() {
        return new OpenStackCloudProvider(settings(ADMIN_CLOUD));
    }

    /** What Placement holds for a server, asked as the admin ({@value #ADMIN_CLOUD}). */
    public Map<String, Integer> placementAllocations(String serverId) {
        return new PlacementAllocations(credentials(ADMIN_CLOUD)).of(serverId);
    }

    private static boolean answers(String url) {
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() < 500;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
