package cn.ac.ihep.heps.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** dev/guacamole configures Guacamole exactly as docker-compose.yml does, but for the site's own values. */
class LocalStackEnvironmentTest {

    private static final LocalStackEnvironment LOCAL = LocalStackEnvironment.parse("""
            # a comment
            export EXTENSION_PRIORITY="ban, heps-auth, heps-vm-resolver, *"
            export HEPS_VNC_ENCODINGS="raw copyrect"
            export HEPS_JWT_ISSUER="heps-portal"
            export HEPS_JWT_KEYS="$DEMO/portal-jwks.json"
            export GUACD_HOSTNAME="$GUACD_ADDRESS"
            """);

    @Test
    void theRepositorysLocalStackAgreesWithDockerCompose() throws Exception {
        Path root = Path.of(System.getProperty("heps.repository.root", "..")).toAbsolutePath().normalize();
        Map<String, String> compose = ComposeFile.read(root.resolve("docker-compose.yml")).services()
                .get("guacamole").environment();
        List<String> problems = LocalStackEnvironment.read(root.resolve("dev/guacamole/environment"))
                .disagreementsWith(compose);
        assertTrue(problems.isEmpty(), "dev/guacamole and docker-compose.yml disagree:\n  - "
                + String.join("\n  - ", problems));
    }

    @Test
    void siteValuesAndContainerPathsMayDifferFixedValuesMayNot() {
        assertEquals(List.of(), LOCAL.disagreementsWith(Map.of(
                "EXTENSION_PRIORITY", "ban, heps-auth, heps-vm-resolver, *",
                "HEPS_VNC_ENCODINGS", "raw copyrect",
                "HEPS_JWT_ISSUER", "${SITE_JWT_ISSUER:-heps-portal}",
                "HEPS_JWT_KEYS", "/run/secrets/portal-jwks.json",
                "GUACD_HOSTNAME", "guacd")));
        assertEquals(List.of("HEPS_VNC_ENCODINGS is \"tight\" in docker-compose.yml but \"raw copyrect\" in "
                + "dev/guacamole/environment"), LOCAL.disagreementsWith(Map.of(
                "EXTENSION_PRIORITY", "ban, heps-auth, heps-vm-resolver, *",
                "HEPS_VNC_ENCODINGS", "tight",
                "HEPS_JWT_ISSUER", "${SITE_JWT_ISSUER:-heps-portal}",
                "HEPS_JWT_KEYS", "/run/secrets/portal-jwks.json")));
    }

    @Test
    void aVariableOnOneSideOnlyIsNamed() {
        assertEquals(List.of(
                "EXTENSION_PRIORITY is set by dev/guacamole/environment but not by docker-compose.yml",
                "HEPS_JWT_KEYS is set by dev/guacamole/environment but not by docker-compose.yml",
                "HEPS_REPLAY_STORE is set by docker-compose.yml but not by dev/guacamole/environment"),
                LOCAL.disagreementsWith(Map.of(
                        "HEPS_VNC_ENCODINGS", "raw copyrect",
                        "HEPS_JWT_ISSUER", "heps-portal",
                        "HEPS_REPLAY_STORE", "redis")));
    }
}
