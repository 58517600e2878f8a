package cn.ac.ihep.heps.guacamole.resolver.share;

import java.util.Map;
import java.util.Optional;

/**
 * The two ways a desktop's live session can be shared, one sharing profile each: watching it,
 * or using it alongside the owner. guacd enforces view-only for the joining user.
 */
public enum ShareMode {
    VIEW("view", "View only", Map.of("read-only", "true")),
    FULL("full", "Full control", Map.of());

    private final String suffix;
    private final String profileName;
    private final Map<String, String> joinParameters;

    ShareMode(String suffix, String profileName, Map<String, String> joinParameters) {
        this.suffix = suffix;
        this.profileName = profileName;
        this.joinParameters = joinParameters;
    }

    /**
     * The sharing profile's identifier for one desktop, {@code <server id>~view} or {@code ~full}:
     * never a "/", which Tomcat refuses URL-encoded in a path, and the web client encodes ids there.
     */
    public String profileIdentifier(String desktopId) {
        return desktopId + "~" + suffix;
    }

    public String profileName() {
        return profileName;
    }

    /** Parameters of the joining user's handshake with guacd. */
    public Map<String, String> joinParameters() {
        return joinParameters;
    }

    /** The mode a sharing profile identifier names for the given desktop, if it names one. */
    public static Optional<ShareMode> forProfile(String desktopId, String profileIdentifier) {
        for (ShareMode mode : values()) {
            if (mode.profileIdentifier(desktopId).equals(profileIdentifier)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }
}
