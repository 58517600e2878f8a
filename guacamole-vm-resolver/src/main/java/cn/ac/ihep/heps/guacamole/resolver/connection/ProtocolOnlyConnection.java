package cn.ac.ihep.heps.guacamole.resolver.connection;

import cn.ac.ihep.heps.common.desktop.DesktopProtocol;
import java.util.Date;
import java.util.Map;
import org.apache.guacamole.net.auth.AbstractConnection;
import org.apache.guacamole.protocol.GuacamoleConfiguration;

/**
 * A connection whose parameters are made at connect time and never shown: through the API it
 * has its protocol and nothing else, whatever permission the caller holds, and nothing written
 * to it is kept.
 */
public abstract class ProtocolOnlyConnection extends AbstractConnection {

    private final DesktopProtocol protocol;

    protected ProtocolOnlyConnection(String identifier, String name, String parentIdentifier,
            DesktopProtocol protocol) {
        this.protocol = protocol;
        setIdentifier(identifier);
        setName(name);
        setParentIdentifier(parentIdentifier);
        super.setConfiguration(getConfiguration());
    }

    @Override
    public final GuacamoleConfiguration getConfiguration() {
        GuacamoleConfiguration visible = new GuacamoleConfiguration();
        visible.setProtocol(protocol.wireName());
        return visible;
    }

    /** Defined by the VM; a configuration written through the API is ignored. */
    @Override
    public final void setConfiguration(GuacamoleConfiguration config) {
        // Deliberately immutable.
    }

    @Override
    public int getActiveConnections() {
        return 0;
    }

    @Override
    public Map<String, String> getAttributes() {
        return Map.of();
    }

    @Override
    public void setAttributes(Map<String, String> attributes) {
        // No attributes are stored.
    }

    @Override
    public Date getLastActive() {
        return null;
    }
}
