package cn.ac.ihep.heps.guacamole.resolver;

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

/**
 * guacamole.properties in memory, parsed by Guacamole's own property classes, for unit
 * tests that vary the configuration within one JVM (LocalEnvironment reads its file once).
 */
public final class PropertiesEnvironment implements Environment {

    private final Map<String, String> values = new HashMap<>();
    private File home = new File(System.getProperty("java.io.tmpdir"));

    public PropertiesEnvironment set(String name, String value) {
        values.put(name, value);
        return this;
    }

    /** GUACAMOLE_HOME; the temporary directory unless a test needs files of its own there. */
    public PropertiesEnvironment home(File directory) {
        this.home = directory;
        return this;
    }

    @Override
    public File getGuacamoleHome() {
        return home;
    }

    @Override
    public Map<String, ProtocolInfo> getProtocols() {
        return Collections.emptyMap();
    }

    @Override
    public ProtocolInfo getProtocol(String name) {
        return null;
    }

    @Override
    public <Type> Type getProperty(GuacamoleProperty<Type> property) throws GuacamoleException {
        return property.parseValue(values.get(property.getName()));
    }

    @Override
    public <Type> Type getProperty(GuacamoleProperty<Type> property, Type defaultValue) throws GuacamoleException {
        Type value = getProperty(property);
        return value == null ? defaultValue : value;
    }

    @Override
    public <Type> Type getRequiredProperty(GuacamoleProperty<Type> property) throws GuacamoleException {
        Type value = getProperty(property);
        if (value == null) {
            throw new GuacamoleServerException("Property " + property.getName() + " is required.");
        }
        return value;
    }

    @Override
    public GuacamoleProxyConfiguration getDefaultGuacamoleProxyConfiguration() throws GuacamoleException {
        return new GuacamoleProxyConfiguration(
                getProperty(Environment.GUACD_HOSTNAME, "localhost"),
                getProperty(Environment.GUACD_PORT, 4822),
                getProperty(Environment.GUACD_SSL, false));
    }
}
