package cn.ac.ihep.heps.guacamole.resolver.it;

import java.nio.file.Files;
import java.nio.file.Path;

/** The extension jar "package" built, as failsafe tells the integration tests. */
final class BuiltExtension {

    private BuiltExtension() {
    }

    static Path jar() {
        String location = System.getProperty("heps.extension.jar");
        if (location == null) {
            throw new IllegalStateException("heps.extension.jar is not set: run the integration tests with "
                    + "maven-failsafe (mvn verify)");
        }
        Path jar = Path.of(location);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("Built extension jar not found at " + jar);
        }
        return jar;
    }
}
