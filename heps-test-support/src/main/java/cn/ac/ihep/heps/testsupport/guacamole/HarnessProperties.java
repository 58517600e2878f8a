package cn.ac.ihep.heps.testsupport.guacamole;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.guacamole.properties.GuacamoleProperties;
import org.apache.guacamole.token.TokenName;

/**
 * The property sources Guacamole 1.6.0's web application registers with
 * {@code LocalEnvironment} at start-up, in its order: {@code GUACAMOLE_HOME/guacamole.properties},
 * then (when {@code enable-environment-properties: true}) environment variables named by
 * {@link TokenName#canonicalize(String)} ({@code heps-jwt-issuer} is read from
 * {@code HEPS_JWT_ISSUER}), then (when {@code enable-file-environment-properties: true}) the
 * file named by the same variable with {@code _FILE} appended.
 *
 * <p>{@code LocalEnvironment}'s list of sources is static and only grows, so the harness
 * registers this one source once per JVM and points it at the running harness's file.
 */
final class HarnessProperties implements GuacamoleProperties {

    static final HarnessProperties INSTANCE = new HarnessProperties();

    private record Snapshot(Properties file, boolean environment, boolean fileEnvironment) { }

    private final AtomicReference<Snapshot> current =
            new AtomicReference<>(new Snapshot(new Properties(), false, false));

    private HarnessProperties() { }

    /** Reads {@code guacamole.properties} (as Guacamole does, with java.util.Properties). */
    void load(Path guacamoleProperties) throws IOException {
        Properties file = new Properties();
        try (Reader reader = Files.newBufferedReader(guacamoleProperties, StandardCharsets.UTF_8)) {
            file.load(reader);
        }
        current.set(new Snapshot(file,
                Boolean.parseBoolean(file.getProperty("enable-environment-properties", "false").trim()),
                Boolean.parseBoolean(file.getProperty("enable-file-environment-properties", "false").trim())));
    }

    void clear() {
        current.set(new Snapshot(new Properties(), false, false));
    }

    @Override
    public String getProperty(String name) {
        Snapshot snapshot = current.get();
        String value = snapshot.file().getProperty(name);
        if (value != null)
            return value;
        String variable = TokenName.canonicalize(name);
        if (snapshot.environment()) {
            value = System.getenv(variable);
            if (value != null)
                return value;
        }
        if (snapshot.fileEnvironment()) {
            String fileName = System.getenv(variable + "_FILE");
            if (fileName != null) {
                try {
                    return Files.readString(Path.of(fileName), StandardCharsets.UTF_8);
                }
                catch (IOException e) {
                    return null;
                }
            }
        }
        return null;
    }
}
