package cn.ac.ihep.heps.guacamole.resolver.share;

import java.util.Map;
import org.apache.guacamole.net.auth.AbstractSharingProfile;

/** One of a desktop's two sharing profiles; what it grants is fixed by its {@link ShareMode}. */
public class DesktopSharingProfile extends AbstractSharingProfile {

    public DesktopSharingProfile(String desktopId, ShareMode mode) {
        setIdentifier(mode.profileIdentifier(desktopId));
        setName(mode.profileName());
        setPrimaryConnectionIdentifier(desktopId);
    }

    /** The join parameters are the mode's; none is exposed or changed through the API. */
    @Override
    public Map<String, String> getParameters() {
        return Map.of();
    }

    @Override
    public void setParameters(Map<String, String> parameters) {
        // Deliberately immutable.
    }

    @Override
    public Map<String, String> getAttributes() {
        return Map.of();
    }

    @Override
    public void setAttributes(Map<String, String> attributes) {
        // No attributes are stored.
    }
}
