package cn.ac.ihep.heps.common.desktop;

import java.util.Locale;
import java.util.Optional;

/** How Guacamole reaches a desktop: RDP for Windows, VNC (by default) for Linux. */
public enum DesktopProtocol {
    RDP(3389),
    VNC(5900);

    private final int defaultPort;

    DesktopProtocol(int defaultPort) {
        this.defaultPort = defaultPort;
    }

    public int defaultPort() {
        return defaultPort;
    }

    /** The value stored in {@code heps.protocol} and used as Guacamole's protocol name. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<DesktopProtocol> fromWireName(String value) {
        if (value == null) {
            return Optional.empty();
        }
        for (DesktopProtocol protocol : values()) {
            if (protocol.wireName().equals(value.trim().toLowerCase(Locale.ROOT))) {
                return Optional.of(protocol);
            }
        }
        return Optional.empty();
    }

    /** CONTRACTS §3: Windows gets RDP; Linux gets VNC unless the VM says {@code heps.protocol=rdp}. */
    public static DesktopProtocol choose(String osType, String protocolMetadata) {
        Optional<DesktopProtocol> declared = fromWireName(protocolMetadata);
        if (declared.isPresent()) {
            return declared.get();
        }
        return "windows".equalsIgnoreCase(osType) ? RDP : VNC;
    }
}
