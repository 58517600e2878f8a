package cn.ac.ihep.heps.guacamole.resolver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.testsupport.guacamole.GuacamoleHarness;
import cn.ac.ihep.heps.testsupport.guacamole.TestRequest;
import java.nio.file.Path;
import java.util.List;
import org.apache.guacamole.language.TranslatableGuacamoleServerException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A resolver that cannot start is impossible to miss: loaded from the built jar the way
 * Guacamole loads it, with credentials it cannot read, it still loads, and every sign-in is
 * refused with the message saying desktops are unavailable (Guacamole would otherwise drop
 * a provider whose constructor threw and let every user in with no desktop).
 */
class ResolverStartupIT {

    @TempDir
    Path dir;

    @Test
    void aResolverWithoutReadableCredentialsRefusesEverySignIn() throws Exception {
        try (GuacamoleHarness guacamole = GuacamoleHarness.builder()
                .property("heps-jwt-issuer", HandOffToken.ISSUER)
                .property("heps-jwt-audience", HandOffToken.AUDIENCE)
                .property("heps-jwt-algorithms", "HS256")
                .property("heps-jwt-shared-secret", HandOffToken.SHARED_SECRET)
                .property("heps-vnc-secret", "a-site-secret-of-some-length")
                .property("heps-openstack-cloud", "heps")
                .property("heps-openstack-clouds-yaml", dir.resolve("absent-clouds.yaml").toString())
                .extension(Path.of(System.getProperty("heps.auth.extension.jar")))
                .extension(BuiltExtension.jar())
                .start()) {
            TranslatableGuacamoleServerException refused = assertThrows(TranslatableGuacamoleServerException.class,
                    () -> guacamole.login(TestRequest.withParameter("heps_token", HandOffToken.mint("alice", List.of()))));
            assertEquals("HEPS_VM_RESOLVER.ERROR_NOT_STARTED", refused.getTranslatableMessage().getKey());
            assertTrue(refused.getMessage().contains("heps-openstack-cloud"), refused.getMessage());
        }
    }

    @Test
    void aRecordingRuleWithoutARecordingPathRefusesEverySignInAndSaysWhy() throws Exception {
        Path cloudsYaml = dir.resolve("clouds.yaml");
        java.nio.file.Files.writeString(cloudsYaml, """
                clouds:
                  heps:
                    auth:
                      auth_url: http://127.0.0.1:9/v3
                      username: nobody
                      password: nothing
                      project_name: heps
                """);
        try (GuacamoleHarness guacamole = GuacamoleHarness.builder()
                .property("heps-jwt-issuer", HandOffToken.ISSUER)
                .property("heps-jwt-audience", HandOffToken.AUDIENCE)
                .property("heps-jwt-algorithms", "HS256")
                .property("heps-jwt-shared-secret", HandOffToken.SHARED_SECRET)
                .property("heps-vnc-secret", "a-site-secret-of-some-length")
                .property("heps-openstack-cloud", "heps")
                .property("heps-openstack-clouds-yaml", cloudsYaml.toString())
                .property("heps-recording", "off, high-pressure=on")
                .extension(Path.of(System.getProperty("heps.auth.extension.jar")))
                .extension(BuiltExtension.jar())
                .start()) {
            TranslatableGuacamoleServerException refused = assertThrows(TranslatableGuacamoleServerException.class,
                    () -> guacamole.login(TestRequest.withParameter("heps_token", HandOffToken.mint("alice", List.of()))));
            assertEquals("HEPS_VM_RESOLVER.ERROR_NOT_STARTED", refused.getTranslatableMessage().getKey());
            // The cause itself, not Guice's account of where it happened.
            assertTrue(refused.getMessage().startsWith("The desktop resolver did not start: Property heps-recording turns "
                    + "recording on"), refused.getMessage());
            assertTrue(refused.getMessage().contains("heps-recording-path is not set"), refused.getMessage());
        }
    }
}
