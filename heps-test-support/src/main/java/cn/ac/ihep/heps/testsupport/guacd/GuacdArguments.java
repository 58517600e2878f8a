package cn.ac.ihep.heps.testsupport.guacd;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The connection parameters guacd 1.6.0 announces in its {@code args} reply, in its order,
 * for a build with every optional feature (SSH/SFTP, PulseAudio, VNC repeater and reverse
 * connections), as listed by {@code GUAC_RDP_CLIENT_ARGS} / {@code GUAC_VNC_CLIENT_ARGS} in
 * apache/guacamole-server 1.6.0 ({@code src/protocols/rdp/settings.c},
 * {@code src/protocols/vnc/settings.c}).
 *
 * <p>Order matters: Guacamole sends the {@code connect} values positionally in the order of
 * this list, so a parameter guacd does not announce never reaches it.
 */
public final class GuacdArguments {

    /** The protocol version guacd 1.6.0 puts first in {@code args}. */
    public static final String PROTOCOL_VERSION = "VERSION_1_5_0";

    public static final List<String> RDP_1_6_0 = List.of(
            "hostname", "port", "timeout", "domain", "username", "password",
            "width", "height", "dpi", "initial-program", "color-depth", "disable-audio",
            "enable-printing", "printer-name", "enable-drive", "drive-name", "drive-path",
            "create-drive-path", "disable-download", "disable-upload", "console", "console-audio",
            "server-layout", "security", "ignore-cert", "cert-tofu", "cert-fingerprints",
            "disable-auth", "remote-app", "remote-app-dir", "remote-app-args", "static-channels",
            "client-name", "enable-wallpaper", "enable-theming", "enable-font-smoothing",
            "enable-full-window-drag", "enable-desktop-composition", "enable-menu-animations",
            "disable-bitmap-caching", "disable-offscreen-caching", "disable-glyph-caching",
            "disable-gfx", "preconnection-id", "preconnection-blob", "timezone",
            "enable-sftp", "sftp-hostname", "sftp-host-key", "sftp-port", "sftp-timeout",
            "sftp-username", "sftp-password", "sftp-private-key", "sftp-passphrase",
            "sftp-public-key", "sftp-directory", "sftp-root-directory",
            "sftp-server-alive-interval", "sftp-disable-download", "sftp-disable-upload",
            "recording-path", "recording-name", "recording-exclude-output",
            "recording-exclude-mouse", "recording-exclude-touch", "recording-include-keys",
            "create-recording-path", "recording-write-existing", "resize-method",
            "enable-audio-input", "enable-touch", "read-only",
            "gateway-hostname", "gateway-port", "gateway-domain", "gateway-username",
            "gateway-password", "load-balance-info", "disable-copy", "disable-paste",
            "wol-send-packet", "wol-mac-addr", "wol-broadcast-addr", "wol-udp-port",
            "wol-wait-time", "force-lossless", "normalize-clipboard");

    public static final List<String> VNC_1_6_0 = List.of(
            "hostname", "port", "read-only", "disable-display-resize", "encodings",
            "username", "password", "swap-red-blue", "color-depth", "cursor", "autoretry",
            "clipboard-encoding", "dest-host", "dest-port", "enable-audio", "audio-servername",
            "reverse-connect", "listen-timeout",
            "enable-sftp", "sftp-hostname", "sftp-host-key", "sftp-port", "sftp-timeout",
            "sftp-username", "sftp-password", "sftp-private-key", "sftp-passphrase",
            "sftp-public-key", "sftp-directory", "sftp-root-directory",
            "sftp-server-alive-interval", "sftp-disable-download", "sftp-disable-upload",
            "recording-path", "recording-name", "recording-exclude-output",
            "recording-exclude-mouse", "recording-include-keys", "create-recording-path",
            "recording-write-existing", "disable-copy", "disable-paste", "disable-server-input",
            "wol-send-packet", "wol-mac-addr", "wol-broadcast-addr", "wol-udp-port",
            "wol-wait-time", "force-lossless", "compress-level", "quality-level");

    private static final Map<String, List<String>> BY_PROTOCOL = Map.of("rdp", RDP_1_6_0, "vnc", VNC_1_6_0);

    private GuacdArguments() {
    }

    public static Optional<List<String>> forProtocol(String protocol) {
        return Optional.ofNullable(BY_PROTOCOL.get(protocol));
    }
}
