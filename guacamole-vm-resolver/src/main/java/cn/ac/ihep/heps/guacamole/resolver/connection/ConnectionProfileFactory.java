package cn.ac.ihep.heps.guacamole.resolver.connection;

import cn.ac.ihep.heps.common.desktop.DesktopProtocol;
import cn.ac.ihep.heps.common.desktop.VncPasswordDerivation;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import cn.ac.ihep.heps.guacamole.resolver.index.Desktop;
import cn.ac.ihep.heps.guacamole.resolver.recording.RecordedSession;
import cn.ac.ihep.heps.guacamole.resolver.recording.RecordingSettings;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.util.Map;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleServerException;
import org.apache.guacamole.protocol.GuacamoleConfiguration;

/**
 * The guacd parameters for a desktop: an RDP profile for Windows and a VNC profile for
 * Linux, with the site's overrides from {@code heps-rdp-parameters} / {@code heps-vnc-parameters}
 * applied last.
 */
@Singleton
public class ConnectionProfileFactory {

    private final ConfigurationService configuration;

    @Inject
    public ConnectionProfileFactory(ConfigurationService configuration) {
        this.configuration = configuration;
    }

    /** The parameters of an unrecorded session. */
    public GuacamoleConfiguration configurationFor(Desktop desktop, String username) throws GuacamoleException {
        return configurationFor(desktop, username, null);
    }

    /**
     * The parameters of a session; with {@code recorded}, guacd records it into that session's
     * directory under its id.
     */
    public GuacamoleConfiguration configurationFor(Desktop desktop, String username, RecordedSession recorded)
            throws GuacamoleException {
        String address = desktop.optionalAddress().orElseThrow(() -> new GuacamoleServerException(
                "Desktop " + desktop.id() + " has no address yet"));
        GuacamoleConfiguration config = new GuacamoleConfiguration();
        config.setProtocol(desktop.protocol().wireName());
        config.setParameter("hostname", address);
        if (desktop.protocol() == DesktopProtocol.RDP) {
            applyRdp(config, username);
        } else {
            applyVnc(config, desktop);
        }
        if (recorded != null) {
            applyRecording(config, recorded);
        }
        Map<String, String> overrides = desktop.protocol() == DesktopProtocol.RDP
                ? configuration.getRdpParameterOverrides()
                : configuration.getVncParameterOverrides();
        overrides.forEach(config::setParameter);
        return config;
    }

    /** The TCP port guacd will connect to for this protocol, after the site's overrides. */
    public int portFor(DesktopProtocol protocol) throws GuacamoleException {
        Map<String, String> overrides = protocol == DesktopProtocol.RDP
                ? configuration.getRdpParameterOverrides()
                : configuration.getVncParameterOverrides();
        String override = overrides.get("port");
        if (override != null) {
            try {
                return Integer.parseInt(override);
            } catch (NumberFormatException e) {
                throw new GuacamoleServerException("The port in the " + protocol.wireName()
                        + " parameter overrides is not a number: \"" + override + "\"");
            }
        }
        return protocol == DesktopProtocol.RDP ? configuration.getRdpPort() : configuration.getVncPort();
    }

    private void applyRdp(GuacamoleConfiguration config, String username) throws GuacamoleException {
        config.setParameter("port", Integer.toString(configuration.getRdpPort()));
        // The facility account; the password is left unset so Guacamole prompts for it
        // (a token login carries no password to pass on).
        config.setParameter("username", username);
        configuration.getRdpDomain().ifPresent(domain -> config.setParameter("domain", domain));
        config.setParameter("security", configuration.getRdpSecurity());
        configuration.getRdpCertificatePolicy().parameters().forEach(config::setParameter);
        // GFX is on by default in 1.6 and needs 32-bit colour.
        config.setParameter("color-depth", Integer.toString(ConfigurationService.RDP_COLOR_DEPTH));
        config.setParameter("disable-gfx", "false");
        config.setParameter("resize-method", "display-update");
        config.setParameter("disable-audio", "false");
        if (configuration.isRdpAudioInputEnabled()) {
            config.setParameter("enable-audio-input", "true");
        }
        config.setParameter("normalize-clipboard", "windows");
    }

    private void applyVnc(GuacamoleConfiguration config, Desktop desktop) throws GuacamoleException {
        config.setParameter("port", Integer.toString(configuration.getVncPort()));
        config.setParameter("password", vncPasswordFor(desktop));
        config.setParameter("encodings", configuration.getVncEncodings());
        configuration.getVncQualityLevel().ifPresent(level -> config.setParameter("quality-level", level.toString()));
        configuration.getVncCompressLevel().ifPresent(level -> config.setParameter("compress-level", level.toString()));
        config.setParameter("color-depth", Integer.toString(configuration.getVncColorDepth()));
        // x11vnc shares the real X display and refuses to resize it; asking only made it repeat
        // the desktop's size, and the first second of a connection carried 7.8 MB instead of 4.1.
        config.setParameter("disable-display-resize", "true");
    }

    private String vncPasswordFor(Desktop desktop) throws GuacamoleException {
        try {
            return new VncPasswordDerivation(configuration.getVncSecret()).passwordFor(desktop.id());
        } catch (IllegalArgumentException e) {
            throw new GuacamoleServerException("heps-vnc-secret is unusable: " + e.getMessage(), e);
        }
    }

    private void applyRecording(GuacamoleConfiguration config, RecordedSession recorded) throws GuacamoleException {
        RecordingSettings settings = configuration.getRecordingSettings().orElseThrow(() ->
                new GuacamoleServerException("A recorded session needs heps-recording-path"));
        config.setParameter("recording-path", recorded.directory().toString());
        config.setParameter("recording-name", recorded.recordingName());
        // The day's directory is made before guacd starts; this covers one removed meanwhile.
        config.setParameter("create-recording-path", "true");
        if (settings.includeKeys()) {
            config.setParameter("recording-include-keys", "true");
        }
        if (settings.excludeMouse()) {
            config.setParameter("recording-exclude-mouse", "true");
        }
    }
}
