package cn.ac.ihep.heps.bench.display;

import cn.ac.ihep.heps.bench.resolver.BenchEnvironment;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.DesktopProtocol;
import cn.ac.ihep.heps.common.desktop.VncPasswordDerivation;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import cn.ac.ihep.heps.guacamole.resolver.connection.ConnectionProfileFactory;
import cn.ac.ihep.heps.guacamole.resolver.index.Desktop;
import cn.ac.ihep.heps.guacamole.resolver.recording.RecordedSession;
import cn.ac.ihep.heps.guacamole.resolver.recording.SessionRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.guacamole.GuacamoleException;

/**
 * The VNC parameters the benchmarks compare, for one desktop: what guacamole-vm-resolver's
 * {@link ConnectionProfileFactory} sends guacd (with a site's properties), and Guacamole's
 * defaults (host, port and password only). The password is the resolver's derivation, so the
 * desktop's VNC server is given the same one.
 */
final class VncProfiles {

    private VncProfiles() {
    }

    static String password(String siteSecret, String serverId) {
        return new VncPasswordDerivation(siteSecret).passwordFor(serverId);
    }

    /** What the resolver would send guacd for this desktop, given these site properties (heps-vnc-*). */
    static Map<String, String> resolver(String address, int port, String siteSecret, String serverId,
            Map<String, String> siteProperties) {
        return resolver(address, port, siteSecret, serverId, siteProperties, null);
    }

    /**
     * The same for a recorded session whose recording goes into {@code recordingDirectory} (the
     * resolver's parameters for it: recording-path, recording-name, create-recording-path).
     */
    static Map<String, String> resolver(String address, int port, String siteSecret, String serverId,
            Map<String, String> siteProperties, Path recordingDirectory) {
        BenchEnvironment environment = new BenchEnvironment()
                .set("heps-vnc-secret", siteSecret)
                .set("heps-vnc-port", Integer.toString(port));
        if (recordingDirectory != null) {
            environment.set("heps-recording-path", recordingDirectory.getParent().getParent().toString());
        }
        siteProperties.forEach(environment::set);
        Desktop desktop = new Desktop(serverId, "bench", ServerState.ACTIVE, DesktopProtocol.VNC, address, Set.of());
        RecordedSession recorded = recordingDirectory == null ? null : new RecordedSession(new SessionRecord(
                UUID.randomUUID(), serverId, "bench", "bench", null, Instant.now(), null), recordingDirectory);
        try {
            return Map.copyOf(new ConnectionProfileFactory(new ConfigurationService(environment))
                    .configurationFor(desktop, "bench", recorded).getParameters());
        } catch (GuacamoleException e) {
            throw new IllegalStateException("the resolver refuses the profile: " + e.getMessage(), e);
        }
    }

    /** Guacamole's defaults: nothing but where the desktop is and its password. */
    static Map<String, String> guacamoleDefaults(String address, int port, String siteSecret, String serverId) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("hostname", address);
        parameters.put("port", Integer.toString(port));
        parameters.put("password", password(siteSecret, serverId));
        return parameters;
    }

    /** The parameters without the password, for reports. */
    static String describe(Map<String, String> parameters) {
        Map<String, String> shown = new java.util.TreeMap<>(parameters);
        shown.remove("password");
        shown.remove("hostname");
        shown.remove("port");
        if (shown.containsKey("recording-path")) {
            shown.put("recording-path", "…");
            shown.put("recording-name", "…");
        }
        return shown.isEmpty() ? "(none)" : shown.toString();
    }
}
