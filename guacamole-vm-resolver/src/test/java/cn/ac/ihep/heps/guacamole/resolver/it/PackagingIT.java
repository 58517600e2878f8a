package cn.ac.ihep.heps.guacamole.resolver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import org.junit.jupiter.api.Test;

/** Opens the built jar and checks it is shaped the way Guacamole 1.6.0 loads extensions. */
class PackagingIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void manifestNamesTheProviderAndBothTranslationsWithTheSameKeys() throws IOException {
        try (JarFile jar = new JarFile(BuiltExtension.jar().toFile())) {
            JsonNode manifest = JSON.readTree(jar.getInputStream(jar.getEntry("guac-manifest.json")));
            assertEquals("1.6.0", manifest.get("guacamoleVersion").asText());
            assertEquals("heps-vm-resolver", manifest.get("namespace").asText());
            String provider = manifest.get("authProviders").get(0).asText();
            assertNotNull(jar.getEntry(provider.replace('.', '/') + ".class"), provider);
            List<List<String>> keySets = new ArrayList<>();
            for (JsonNode translation : manifest.get("translations")) {
                JsonNode json = JSON.readTree(jar.getInputStream(jar.getEntry(translation.asText())));
                assertTrue(json.at("/DATA_SOURCE_HEPS_VM_RESOLVER/NAME").isTextual(), translation.asText());
                keySets.add(keys(json, ""));
            }
            assertEquals(2, keySets.size());
            assertEquals(keySets.get(0), keySets.get(1), "en and zh translate the same keys");
            assertTrue(keySets.get(0).containsAll(List.of("HEPS_VM_RESOLVER.ERROR_NO_DESKTOP",
                    "HEPS_VM_RESOLVER.ERROR_DESKTOP_FAILED", "HEPS_VM_RESOLVER.INFO_DESKTOP_STARTING",
                    "HEPS_VM_RESOLVER.ERROR_DIRECTORY_UNAVAILABLE", "HEPS_VM_RESOLVER.ERROR_DESKTOP_GONE")));
        }
    }

    @Test
    void everyWebPartTheManifestNamesIsInTheJarAndTheNoticesAreTranslated() throws IOException {
        try (JarFile jar = new JarFile(BuiltExtension.jar().toFile())) {
            JsonNode manifest = JSON.readTree(jar.getInputStream(jar.getEntry("guac-manifest.json")));
            List<String> parts = new ArrayList<>();
            for (String kind : List.of("js", "css", "html")) {
                manifest.get(kind).forEach(part -> parts.add(part.asText()));
            }
            assertTrue(parts.contains("heps-recording-notice.js"), parts::toString);
            for (String part : parts) {
                assertNotNull(jar.getEntry(part), part + " is named in the manifest but not in the jar");
            }
            String notice = new String(jar.getInputStream(jar.getEntry("heps-recording-notice.js")).readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8);
            JsonNode english = JSON.readTree(jar.getInputStream(jar.getEntry("translations/en.json")));
            java.util.regex.Matcher keys = java.util.regex.Pattern.compile("'HEPS_VM_RESOLVER\\.([A-Z_]+)'").matcher(notice);
            int found = 0;
            while (keys.find()) {
                found++;
                assertTrue(english.at("/HEPS_VM_RESOLVER/" + keys.group(1)).isTextual(), keys.group(1) + " untranslated");
            }
            assertEquals(4, found, "the notice's title, text and two actions");
            assertTrue(notice.contains("'heps-recorded'"), "the notice reads the attribute the connections carry");
        }
    }

    @Test
    void dependenciesAreBundledAtTheRootAndTheWebApplicationsOwnNever() throws IOException {
        List<String> rootJars = new ArrayList<>();
        List<String> classes = new ArrayList<>();
        try (JarFile jar = new JarFile(BuiltExtension.jar().toFile())) {
            for (JarEntry entry : Collections.list(jar.entries())) {
                String name = entry.getName();
                if (name.endsWith(".jar")) {
                    assertFalse(name.contains("/"), "a nested jar is never loaded: " + name);
                    rootJars.add(name);
                    try (InputStream in = jar.getInputStream(entry); JarInputStream library = new JarInputStream(in)) {
                        for (JarEntry inner; (inner = library.getNextJarEntry()) != null; ) {
                            classes.add(inner.getName());
                        }
                    }
                } else if (name.endsWith(".class")) {
                    classes.add(name);
                }
            }
        }
        for (String expected : List.of("guice-5.1.0.jar", "heps-common-", "openstack4j-core-", "openstack4j-okhttp-")) {
            assertTrue(rootJars.stream().anyMatch(n -> n.startsWith(expected)), expected + " not bundled: " + rootJars);
        }
        for (String forbidden : List.of("org/apache/guacamole/", "javax/servlet/", "org/slf4j/")) {
            assertFalse(classes.stream().anyMatch(n -> n.startsWith(forbidden)), forbidden + " is inside the extension");
        }
    }

    private static List<String> keys(JsonNode node, String prefix) {
        List<String> keys = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
            if (field.getValue().isObject()) {
                keys.addAll(keys(field.getValue(), key));
            } else {
                keys.add(key);
            }
        }
        Collections.sort(keys);
        return keys;
    }
}
