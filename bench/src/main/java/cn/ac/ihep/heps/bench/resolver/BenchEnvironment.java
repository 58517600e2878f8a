package cn.ac.ihep.heps.bench.resolver;

import java.io.File;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleServerException;
import org.apache.guacamole.environment.Environment;
import org.apache.guacamole.net.auth.GuacamoleProxyConfiguration;
import org.apache.guacamole.properties.GuacamoleProperty;
import org.apache.guacamole.protocols.ProtocolInfo;

/** guacamole.properties for the harness, in memory. */
public final class BenchEnvironment implements Environment {

    private final Map<String, String> values = new HashMap<>();

    public BenchEnvironment set(String name, String value) {
        values.put(name, value);
        return this;
    }

    @Override public File getGuacamoleHome() { return new File(System.getProperty("java.io.tmpdir")); }
    @Override public Map<String, ProtocolInfo> getProtocols() { return Collections.emptyMap(); }
    @Override public ProtocolInfo getProtocol(String name) { return null; }

    @Override
    public <T> T getProperty(GuacamoleProperty<T> property) throws GuacamoleException {
        return property.parseValue(values.get(property.getName()));
    }

    @Override
    public <T> T getProperty(GuacamoleProperty<T> property, T defaultValue) throws GuacamoleException {
        T value = getProperty(property);
        return value == null ? defaultValue : value;
    }

    @Override
    public <T> T getRequiredProperty(GuacamoleProperty<T> property) throws GuacamoleException {
        T value = getProperty(property);
        if (value == null) {
            throw new GuacamoleServerException(property.getName() + " is required");
        }
        return value;
    }

    @Override
    public GuacamoleProxyConfiguration getDefaultGuacamoleProxyConfiguration() {
        return new GuacamoleProxyConfiguration("localhost", 4822, false);
    }
}
