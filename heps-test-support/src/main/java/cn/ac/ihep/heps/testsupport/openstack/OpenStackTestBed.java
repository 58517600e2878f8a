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
    /** The host's address on the VM network (bridge heps-br0): guests reach services bound here. */
    public static final String VM_GATEWAY = "10.42.0.1";
    /** The VNC port of a Linux desktop and the RDP port of a Windows one, at the VM's own address. */
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
