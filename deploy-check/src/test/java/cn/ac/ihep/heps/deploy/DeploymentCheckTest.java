package cn.ac.ihep.heps.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The check itself, on a small repository of its own: it passes a consistent file and names each fault. */
class DeploymentCheckTest {

    @TempDir
    Path root;

    private static final String AUTH_README = """
            # auth

            | Property | Environment variable | Default | Meaning |
            |---|---|---|---|
            | `heps-jwt-issuer` | `HEPS_JWT_ISSUER` | *required* | iss |
            | `heps-replay-store` | `HEPS_REPLAY_STORE` | `memory` | memory or redis |
            | `heps-redis-uri` | `HEPS_REDIS_URI` | required when heps-replay-store is redis | Redis |
            | `heps-ldap-bind-password` | `HEPS_LDAP_BIND_PASSWORD` | | bind password |
            | `heps-portal-url` | `HEPS_PORTAL_URL` | | portal |
            """;
    private static final String RESOLVER_README = """
            | Property | Environment variable | Required | Meaning |
            | -------- | -------------------- | :------: | ------- |
            | `heps-vnc-secret` | `HEPS_VNC_SECRET` | yes | VNC site secret |
            | `heps-vm-network` | `HEPS_VM_NETWORK` | no | network |
            """;
    private static final String AGENT_README = """
            | Setting | Environment variable | Default | Meaning |
            |---|---|---|---|
            | `database-url` | `HEPS_DATABASE_URL` | embedded H2 | JDBC URL |
            | `database-password` | `HEPS_DATABASE_PASSWORD` | | password; or database-password-file |
            | `vnc-site-secret` | `HEPS_VNC_SITE_SECRET` | **Required** | site secret |
            """;
    private static final String AUTH_CONFIGURATION = """
            class ConfigurationService {
                private static final StringGuacamoleProperty JWT_AUDIENCE = string("heps-jwt-audience");
                private static final StringGuacamoleProperty REDIS_URI = string("heps-redis-uri");
                String audience() { return required(JWT_AUDIENCE, "to check signed tokens"); }
                String redis() { return required(REDIS_URI, "when heps-replay-store is redis"); }
                String base() { return required(LDAP_USER_BASE_DN, "when heps-ldap-urls is set"); }
                private static final StringGuacamoleProperty LDAP_USER_BASE_DN = string("heps-ldap-user-base-dn");
            }
            """;

    private static final String GOOD_COMPOSE = """
            x-timing: &timing
              interval: 30s
            services:
              guacamole:
                image: guacamole/guacamole:1.6.0
                environment:
                  EXTENSION_PRIORITY: "ban, heps-auth, heps-vm-resolver, *"
                  BAN_ENABLED: "true"
                  HEPS_JWT_ISSUER: "${SITE_ISSUER:-heps-portal}"
                  HEPS_PORTAL_URL: "${SITE_PORTAL:-}"
                  HEPS_VM_NETWORK: net
                secrets:
                  - source: guacamole-properties
                    target: /etc/guacamole/guacamole.properties
                volumes:
                  - ./guacamole-auth-heps/target/guacamole-auth-heps-1.2.3.jar:/etc/guacamole/extensions/a.jar:ro
                  - ./guacamole-vm-resolver/target/guacamole-vm-resolver-1.2.3.jar:/etc/guacamole/extensions/r.jar:ro
                healthcheck:
                  test: ["CMD", "true"]
                  <<: *timing
              agent:
                image: agent
                environment:
                  - HEPS_DATABASE_URL=jdbc:postgresql://postgres/heps
                  - HEPS_DATABASE_PASSWORD_FILE=/run/secrets/db
                  - HEPS_VNC_SITE_SECRET_FILE=/run/secrets/vnc
                healthcheck:
                  test: ["CMD", "true"]
            secrets:
              guacamole-properties:
                file: ./secrets/guacamole.properties
            """;
    private static final String GOOD_PROPERTIES = """
            heps-jwt-audience: heps-guacamole
            heps-ldap-bind-password: change-me
            heps-vnc-secret: change-me-too
            """;

    @BeforeEach
    void repository() throws IOException {
        write("pom.xml", "<project><artifactId>heps-cloud-desktop</artifactId>\n<version>1.2.3</version>\n"
                + "<properties><guacamole.version>1.6.0</guacamole.version></properties></project>");
        write("guacamole-auth-heps/README.md", AUTH_README.replace("| `heps-portal-url`",
                "| `heps-jwt-audience` | `HEPS_JWT_AUDIENCE` | | aud |\n| `heps-portal-url`"));
        write("guacamole-auth-heps/src/main/java/x/ConfigurationService.java", AUTH_CONFIGURATION);
        write("guacamole-auth-heps/src/main/resources/guac-manifest.json", "{ \"namespace\" : \"heps-auth\" }");
        write("guacamole-vm-resolver/README.md", RESOLVER_README);
        write("guacamole-vm-resolver/src/main/resources/guac-manifest.json", "{\"namespace\": \"heps-vm-resolver\"}");
        write("provisioning-agent/README.md", AGENT_README);
        write("secrets/guacamole.properties.example", GOOD_PROPERTIES);
    }

    @Test
    void aConsistentFilePasses() throws IOException {
        assertEquals(List.of(), check(GOOD_COMPOSE));
    }

    @Test
    void anUndocumentedVariableIsNamedWithTheReadmesToAddItTo() throws IOException {
        List<String> problems = check(GOOD_COMPOSE.replace("HEPS_VM_NETWORK: net", "HEPS_VM_NETWRK: net"));
        assertEquals(List.of("Service \"guacamole\" sets HEPS_VM_NETWRK, which is not in the property table of "
                + "guacamole-auth-heps/README.md or guacamole-vm-resolver/README.md"), problems);
    }

    @Test
    void aFileVariantIsOnlyAcceptedWhereTheServiceReadsOne() throws IOException {
        List<String> problems = check(GOOD_COMPOSE.replace("HEPS_VM_NETWORK: net", "HEPS_VM_NETWORK_FILE: /n"));
        assertEquals(List.of("Service \"guacamole\" sets HEPS_VM_NETWORK_FILE, which is not in the property table of "
                + "guacamole-auth-heps/README.md or guacamole-vm-resolver/README.md"), problems);
    }

    @Test
    void aPropertyMarkedRequiredInAReadmeMustBeSet() throws IOException {
        List<String> problems = check(GOOD_COMPOSE.replace("      - HEPS_VNC_SITE_SECRET_FILE=/run/secrets/vnc\n", ""));
        assertEquals(List.of("Service \"agent\" does not set HEPS_VNC_SITE_SECRET: vnc-site-secret "
                + "(marked required in provisioning-agent/README.md)"), problems);
    }

    @Test
    void aRequiredColumnCountsAndAnEmptyDefaultIsNotAValue() throws IOException {
        write("secrets/guacamole.properties.example", GOOD_PROPERTIES.replace("heps-vnc-secret: change-me-too", ""));
        List<String> problems = check(GOOD_COMPOSE.replace("\"${SITE_ISSUER:-heps-portal}\"", "\"${SITE_ISSUER:-}\""));
        assertEquals(List.of(
                "Service \"guacamole\" does not set HEPS_JWT_ISSUER: heps-jwt-issuer (marked required in guacamole-auth-heps/README.md)",
                "Service \"guacamole\" does not set HEPS_VNC_SECRET: heps-vnc-secret (marked required in guacamole-vm-resolver/README.md)"),
                problems);
    }

    @Test
    void anUnconditionalRequiredCallInTheConfigurationServiceCounts() throws IOException {
        write("secrets/guacamole.properties.example", GOOD_PROPERTIES.replace("heps-jwt-audience: heps-guacamole", ""));
        List<String> problems = check(GOOD_COMPOSE);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("Service \"guacamole\" does not set HEPS_JWT_AUDIENCE: heps-jwt-audience "
                + "(required to check signed tokens"), problems.get(0));
    }

    @Test
    void aConditionalRequirementCountsOnlyWhenItsConditionHolds() throws IOException {
        assertEquals(List.of(), check(GOOD_COMPOSE.replace("HEPS_VM_NETWORK: net",
                "HEPS_VM_NETWORK: net\n      HEPS_REPLAY_STORE: memory")));
        List<String> problems = check(GOOD_COMPOSE.replace("HEPS_VM_NETWORK: net",
                "HEPS_VM_NETWORK: net\n      HEPS_REPLAY_STORE: redis"));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("Service \"guacamole\" does not set HEPS_REDIS_URI: heps-redis-uri "
                + "(required when heps-replay-store is redis"), problems.get(0));
        write("secrets/guacamole.properties.example", GOOD_PROPERTIES + "heps-redis-uri: redis://:pw@redis:6379/0\n");
        assertEquals(List.of(), check(GOOD_COMPOSE.replace("HEPS_VM_NETWORK: net",
                "HEPS_VM_NETWORK: net\n      HEPS_REPLAY_STORE: redis")));
    }

    @Test
    void conditionsReadTheValueOrItsPresence() {
        Map<String, String> values = Map.of("HEPS_REPLAY_STORE", "redis", "HEPS_LDAP_URLS", "ldap://x");
        assertTrue(DeploymentCheck.conditionHolds("when heps-replay-store is redis", values));
        assertFalse(DeploymentCheck.conditionHolds("when heps-replay-store is memory", values));
        assertTrue(DeploymentCheck.conditionHolds("when heps-ldap-urls is set", values));
        assertFalse(DeploymentCheck.conditionHolds("when heps-introspection-url is set", values));
        assertTrue(DeploymentCheck.conditionHolds("to check signed tokens", values));
    }

    @Test
    void guacamoleImagesMustBeTheReleaseTheExtensionsAreBuiltAgainst() throws IOException {
        List<String> problems = check(GOOD_COMPOSE.replace("image: guacamole/guacamole:1.6.0", "image: guacamole/guacamole:1.5.5"));
        assertEquals(List.of("Service \"guacamole\" runs guacamole/guacamole:1.5.5; the extensions are built against "
                + "Guacamole 1.6.0 (guacamole.version in pom.xml): use guacamole/guacamole:1.6.0"), problems);
    }

    @Test
    void aSecretInlineIsRefused() throws IOException {
        List<String> problems = check(GOOD_COMPOSE.replace("HEPS_DATABASE_PASSWORD_FILE=/run/secrets/db",
                "HEPS_DATABASE_PASSWORD=hunter2"));
        assertEquals(List.of("Service \"agent\" sets the secret HEPS_DATABASE_PASSWORD inline; hand it over as a file "
                + "(compose secret, HEPS_DATABASE_PASSWORD_FILE or guacamole.properties)"), problems);
    }

    @Test
    void aPropertyInBothPlacesAndAnUndocumentedOneInTheSecretFileAreNamed() throws IOException {
        write("secrets/guacamole.properties.example", GOOD_PROPERTIES + "heps-vm-network: other\nheps-unknown: 1\n");
        List<String> problems = check(GOOD_COMPOSE);
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.contains("heps-vm-network is set both in the guacamole.properties secret and as "
                + "HEPS_VM_NETWORK in docker-compose.yml; set it in one place"), problems.toString());
        assertTrue(problems.contains("guacamole.properties secret sets heps-unknown, which is not in the property "
                + "table of guacamole-auth-heps/README.md or guacamole-vm-resolver/README.md"), problems.toString());
    }

    @Test
    void aServiceWithoutHealthCheckAndASecretWithoutExampleAreNamed() throws IOException {
        Files.delete(root.resolve("secrets/guacamole.properties.example"));
        List<String> problems = check(GOOD_COMPOSE.replace("    healthcheck:\n      test: [\"CMD\", \"true\"]\n"
                + "secrets:", "secrets:"));
        assertTrue(problems.contains("Service \"agent\" has no health check"), problems.toString());
        assertTrue(problems.contains("Secret \"guacamole-properties\" (secrets/guacamole.properties) has no committed "
                + "secrets/guacamole.properties.example"), problems.toString());
    }

    @Test
    void aStepThatRunsOnceNeedsNoHealthCheckAServiceThatStaysDoes() throws IOException {
        String step = "secrets:";
        List<String> problems = check(GOOD_COMPOSE.replace("secrets:\n  guacamole-properties:",
                "  recordings-init:\n    image: busybox\n    restart: \"no\"\n    entrypoint: [\"true\"]\n"
                        + "  sidecar:\n    image: busybox\n    restart: unless-stopped\n" + step
                        + "\n  guacamole-properties:"));
        assertEquals(List.of("Service \"sidecar\" has no health check"), problems);
    }

    @Test
    void extensionOrderBanAndJarNamesAreChecked() throws IOException {
        List<String> problems = check(GOOD_COMPOSE
                .replace("\"ban, heps-auth, heps-vm-resolver, *\"", "\"heps-auth, ban, heps-resolver, *\"")
                .replace("BAN_ENABLED: \"true\"", "BAN_ENABLED: \"false\"")
                .replace("guacamole-auth-heps-1.2.3.jar", "guacamole-auth-heps-1.2.2.jar"));
        assertEquals(List.of(
                "Service \"guacamole\" must enable guacamole-auth-ban: BAN_ENABLED: \"true\"",
                "EXTENSION_PRIORITY must list \"ban\" before \"heps-auth\"",
                "Service \"guacamole\" does not mount ./guacamole-auth-heps/target/guacamole-auth-heps-1.2.3.jar into "
                        + "/etc/guacamole/extensions/ (the jar name follows the version in pom.xml)",
                "EXTENSION_PRIORITY does not list \"heps-vm-resolver\" (namespace of guacamole-vm-resolver)",
                "EXTENSION_PRIORITY names namespaces no installed extension has: heps-resolver"), problems);
    }

    @Test
    void aModuleWithoutPropertyTableIsReported() throws IOException {
        Files.delete(root.resolve("provisioning-agent/README.md"));
        List<String> problems = check(GOOD_COMPOSE);
        assertTrue(problems.get(0).startsWith("provisioning-agent/README.md has no property table"), problems.toString());
    }

    private List<String> check(String compose) throws IOException {
        Path file = write("docker-compose.yml", compose);
        return new DeploymentCheck(root, ComposeFile.read(file), DeploymentCheck.HEPS_SERVICES).run();
    }

    private Path write(String relative, String content) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content, StandardCharsets.UTF_8);
    }
}
