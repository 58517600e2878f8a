package cn.ac.ihep.heps.auth;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.auth.testing.BuiltExtension;
import cn.ac.ihep.heps.testsupport.guacamole.GuacamoleHarness;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.function.Predicate;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import org.apache.guacamole.net.auth.AuthenticationProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness catches the packaging mistakes it exists to catch: copies of the built jar with
 * one thing broken must fail to load, though every class is on the test classpath.
 */
class HarnessFidelityIT {

    static Path copyOfBuiltJar(Path dir, String name, Predicate<String> keep, Path extra) throws IOException {
        Path copy = dir.resolve(name);
        try (JarFile source = new JarFile(BuiltExtension.jar().toFile());
             OutputStream out = Files.newOutputStream(copy);
             JarOutputStream jar = new JarOutputStream(out)) {
            for (JarEntry entry : Collections.list(source.entries())) {
                if (!keep.test(entry.getName()))
                    continue;
                jar.putNextEntry(new JarEntry(entry.getName()));
                try (InputStream in = source.getInputStream(entry)) {
                    in.transferTo(jar);
                }
                jar.closeEntry();
            }
            if (extra != null) {
                jar.putNextEntry(new JarEntry(extra.getFileName().toString()));
                Files.copy(extra, jar);
                jar.closeEntry();
            }
        }
        return copy;
    }

    static GuacamoleHarness.Builder harness(Path jar) {
        return GuacamoleHarness.builder()
                .property("heps-introspection-url", "http://127.0.0.1:9/introspect")
                .property("heps-introspection-client-id", "x")
                .property("heps-introspection-client-secret", "y")
                .extension(jar);
    }

    @Test
    void theBuiltJarLoads(@TempDir Path dir) throws Exception {
        harness(copyOfBuiltJar(dir, "intact.jar", name -> true, null)).start().close();
    }

    @Test
    void aMissingBundledLibraryFailsToLoad(@TempDir Path dir) throws Exception {
        Path withoutGuice = copyOfBuiltJar(dir, "no-guice.jar", name -> !name.startsWith("guice-"), null);
        Throwable failure = assertThrows(Throwable.class, () -> harness(withoutGuice).start().close());
        assertTrue(String.valueOf(failure).contains("com/google/inject") || String.valueOf(failure.getCause()).contains("com/google/inject"),
                failure.toString());
    }

    @Test
    void aBundledCopyOfGuacamoleExtIsCaught(@TempDir Path dir) throws Exception {
        Path guacamoleExt = Path.of(AuthenticationProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path withExt = copyOfBuiltJar(dir, "with-ext.jar", name -> true, guacamoleExt);
        var failure = assertThrows(IllegalArgumentException.class, () -> harness(withExt).start().close());
        assertTrue(failure.getMessage().contains("not an AuthenticationProvider of this web application"), failure.getMessage());
    }
}
