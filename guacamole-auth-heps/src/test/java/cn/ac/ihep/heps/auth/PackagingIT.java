package cn.ac.ihep.heps.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.auth.testing.BuiltExtension;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/** Opens the built extension jar and checks it is shaped the way Guacamole 1.6.0 loads extensions. */
class PackagingIT {

    @Test
    void manifestNamesGuacamole160AndTheProviderAndBothTranslations() throws IOException {
        try (JarFile jar = new JarFile(BuiltExtension.jar().toFile())) {
            JsonNode manifest = new ObjectMapper().readTree(jar.getInputStream(jar.getEntry("guac-manifest.json")));
            assertEquals("1.6.0", manifest.get("guacamoleVersion").asText());
            assertEquals("heps-auth", manifest.get("namespace").asText());
            assertEquals("cn.ac.ihep.heps.auth.HepsAuthenticationProvider", manifest.get("authProviders").get(0).asText());
            assertNotNull(jar.getEntry("cn/ac/ihep/heps/auth/HepsAuthenticationProvider.class"));
            for (JsonNode translation : manifest.get("translations")) {
                ZipEntry entry = jar.getEntry(translation.asText());
                assertNotNull(entry, translation.asText());
                JsonNode json = new ObjectMapper().readTree(jar.getInputStream(entry));
                assertTrue(json.at("/LOGIN/INFO_HEPS_REDIRECT_PENDING").isTextual(), translation.asText());
            }
            List<String> names = new ArrayList<>();
            manifest.get("translations").forEach(t -> names.add(t.asText()));
            assertEquals(List.of("translations/en.json", "translations/zh.json"), names);
        }
    }

    @Test
    void bundledLibrariesSitAtTheRootAndTheWebApplicationsOwnAreNeverBundled() throws IOException {
        List<String> rootJars = new ArrayList<>();
        List<String> nestedJars = new ArrayList<>();
        List<String> bundledClasses = new ArrayList<>();
        try (JarFile jar = new JarFile(BuiltExtension.jar().toFile())) {
            for (JarEntry entry : java.util.Collections.list(jar.entries())) {
                String name = entry.getName();
                if (name.endsWith(".jar")) {
                    (name.contains("/") ? nestedJars : rootJars).add(name);
                    try (InputStream in = jar.getInputStream(entry); JarInputStream library = new JarInputStream(in)) {
                        for (JarEntry inner; (inner = library.getNextJarEntry()) != null; )
                            bundledClasses.add(inner.getName());
                    }
                }
                else if (name.endsWith(".class"))
                    bundledClasses.add(name);
            }
        }
        assertTrue(nestedJars.isEmpty(), "jars below the root are never loaded: " + nestedJars);
        for (String expected : List.of("guice-5.1.0.jar", "jjwt-api-", "jjwt-impl-", "jjwt-jackson-",
                "unboundid-ldapsdk-", "jedis-", "jackson-databind-"))
            assertTrue(rootJars.stream().anyMatch(n -> n.startsWith(expected)), expected + " not bundled: " + rootJars);
        for (String forbidden : List.of("guacamole-ext", "guacamole-common", "servlet-api", "slf4j"))
            assertFalse(rootJars.stream().anyMatch(n -> n.contains(forbidden)), forbidden + " bundled: " + rootJars);
        for (String forbiddenPackage : List.of("org/apache/guacamole/", "javax/servlet/", "org/slf4j/"))
            assertFalse(bundledClasses.stream().anyMatch(n -> n.startsWith(forbiddenPackage)),
                    "classes of " + forbiddenPackage + " are inside the extension");
    }
}
