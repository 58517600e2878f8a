package cn.ac.ihep.heps.guacamole.resolver.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.DesktopProtocol;
import cn.ac.ihep.heps.common.desktop.VncPasswordDerivation;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import cn.ac.ihep.heps.guacamole.resolver.PropertiesEnvironment;
import cn.ac.ihep.heps.guacamole.resolver.index.Desktop;
import cn.ac.ihep.heps.guacamole.resolver.recording.RecordedSession;
import cn.ac.ihep.heps.guacamole.resolver.recording.SessionRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.Set;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleServerException;
import org.apache.guacamole.protocol.GuacamoleConfiguration;
import org.junit.jupiter.api.Test;

class ConnectionProfileFactoryTest {

    private static final String SECRET = "site-secret-of-at-least-16-bytes";
    private static final Desktop WINDOWS = new Desktop("5f0c-win", "b1-win", ServerState.ACTIVE,
            DesktopProtocol.RDP, "10.0.0.5", Set.of("heps-owner:alice"));
    private static final Desktop LINUX = new Desktop("9a1e-linux", "b1-linux", ServerState.ACTIVE,
            DesktopProtocol.VNC, "10.0.0.6", Set.of("heps-owner:alice"));

    private static GuacamoleConfiguration build(PropertiesEnvironment environment, Desktop desktop)
            throws GuacamoleException {
        return new ConnectionProfileFactory(new ConfigurationService(environment)).configurationFor(desktop, "alice");
    }

    @Test
    void windowsGetsTheRdpProfileWithDefaults() throws Exception {
        GuacamoleConfiguration config = build(new PropertiesEnvironment().set("heps-rdp-domain", "HEPS"), WINDOWS);
        assertEquals("rdp", config.getProtocol());
        assertEquals(Map.ofEntries(
                Map.entry("hostname", "10.0.0.5"),
                Map.entry("port", "3389"),
                Map.entry("username", "alice"),
                Map.entry("domain", "HEPS"),
                Map.entry("security", "any"),
                Map.entry("cert-tofu", "true"),
                Map.entry("color-depth", "32"),
                Map.entry("disable-gfx", "false"),
                Map.entry("resize-method", "display-update"),
                Map.entry("disable-audio", "false"),
                Map.entry("normalize-clipboard", "windows")), config.getParameters());
    }

    @Test
    void linuxGetsTheVncProfileWithTheDerivedPassword() throws Exception {
        GuacamoleConfiguration config = build(new PropertiesEnvironment()
                .set("heps-vnc-secret", SECRET)
                .set("heps-vnc-quality-level", "6")
                .set("heps-vnc-compress-level", "1"), LINUX);
        assertEquals("vnc", config.getProtocol());
        assertEquals(Map.of(
                "hostname", "10.0.0.6",
                "port", "5900",
                "password", new VncPasswordDerivation(SECRET).passwordFor("9a1e-linux"),
                "encodings", "raw copyrect",
                "color-depth", "24",
                "disable-display-resize", "true",
                "quality-level", "6",
                "compress-level", "1"), config.getParameters());
    }

    @Test
    void aRecordedSessionIsWrittenToItsDirectoryUnderItsIdAndSiteOverridesApply() throws Exception {
        PropertiesEnvironment environment = new PropertiesEnvironment()
                .set("heps-recording-path", "/var/lib/guacamole/recordings")
                .set("heps-recording-include-keys", "true")
                .set("heps-rdp-security", "nla")
                .set("heps-rdp-certificate-policy", "fingerprints")
                .set("heps-rdp-cert-fingerprints", "sha256:AA, sha256:BB")
                .set("heps-rdp-parameters", "server-layout=de-de-qwertz; enable-font-smoothing=true");
        RecordedSession session = new RecordedSession(new SessionRecord(UUID.fromString(
                "0f8e2c44-6f42-4b8e-9f3c-1d2a3b4c5d6e"), "5f0c-win", "b1-win", "alice", null, Instant.EPOCH, null),
                Path.of("/var/lib/guacamole/recordings/5f0c-win/1970-01-01"));
        Map<String, String> parameters = new ConnectionProfileFactory(new ConfigurationService(environment))
                .configurationFor(WINDOWS, "alice", session).getParameters();
        assertEquals("/var/lib/guacamole/recordings/5f0c-win/1970-01-01", parameters.get("recording-path"));
        assertEquals("0f8e2c44-6f42-4b8e-9f3c-1d2a3b4c5d6e", parameters.get("recording-name"));
        assertEquals("true", parameters.get("create-recording-path"));
        assertEquals("true", parameters.get("recording-include-keys"));
        assertTrue(!parameters.containsKey("recording-exclude-mouse"));
        // The same desktop unrecorded, the path set or not: no recording parameter at all.
        assertTrue(build(environment, WINDOWS).getParameters().keySet().stream().noneMatch(k -> k.contains("recording")));
        assertEquals("nla", parameters.get("security"));
        assertEquals("sha256:AA,sha256:BB", parameters.get("cert-fingerprints"));
        assertTrue(!parameters.containsKey("cert-tofu"));
        assertEquals("de-de-qwertz", parameters.get("server-layout"));
        assertEquals("true", parameters.get("enable-font-smoothing"));
    }

    @Test
    void ignoringCertificatesIsAnExplicitChoice() throws Exception {
        GuacamoleConfiguration config = build(new PropertiesEnvironment()
                .set("heps-rdp-certificate-policy", "ignore"), WINDOWS);
        assertEquals("true", config.getParameter("ignore-cert"));
    }

    @Test
    void badConfigurationIsRefusedWithTheNameOfTheProperty() {
        assertMessage("heps-rdp-security", new PropertiesEnvironment().set("heps-rdp-security", "none"), WINDOWS);
        assertMessage("heps-rdp-cert-fingerprints",
                new PropertiesEnvironment().set("heps-rdp-certificate-policy", "fingerprints"), WINDOWS);
        assertMessage("heps-rdp-certificate-policy",
                new PropertiesEnvironment().set("heps-rdp-certificate-policy", "trust-all"), WINDOWS);
        assertMessage("heps-vnc-secret", new PropertiesEnvironment(), LINUX);
        assertMessage("heps-vnc-secret", new PropertiesEnvironment().set("heps-vnc-secret", "short"), LINUX);
        assertMessage("heps-vnc-quality-level",
                new PropertiesEnvironment().set("heps-vnc-secret", SECRET).set("heps-vnc-quality-level", "12"), LINUX);
        assertMessage("\"password\"",
                new PropertiesEnvironment().set("heps-vnc-secret", SECRET).set("heps-vnc-parameters", "password=x"), LINUX);
        assertMessage("heps-vnc-parameters",
                new PropertiesEnvironment().set("heps-vnc-secret", SECRET).set("heps-vnc-parameters", "cursor"), LINUX);
    }

    @Test
    void aDesktopWithoutAnAddressCannotBeConfigured() {
        Desktop building = new Desktop("id", "n", ServerState.BUILDING, DesktopProtocol.VNC, null, Set.of());
        assertThrows(GuacamoleServerException.class,
                () -> build(new PropertiesEnvironment().set("heps-vnc-secret", SECRET), building));
    }

    private static void assertMessage(String expected, PropertiesEnvironment environment, Desktop desktop) {
        GuacamoleException e = assertThrows(GuacamoleException.class, () -> build(environment, desktop));
        assertTrue(e.getMessage().contains(expected), () -> "\"" + e.getMessage() + "\" should name " + expected);
    }
}
