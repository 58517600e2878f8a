package cn.ac.ihep.heps.testsupport.guacamole;

import java.nio.file.Path;
import java.util.List;
import org.apache.guacamole.net.auth.AuthenticationProvider;

/** One extension jar as the harness loaded it: its manifest, its own class loader, its providers. */
public record LoadedExtension(
        Path jar,
        ExtensionManifest manifest,
        ExtensionClassLoader classLoader,
        List<AuthenticationProvider> authenticationProviders) {
}
