package cn.ac.ihep.heps.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.auth.testing.BuiltExtension;
import cn.ac.ihep.heps.auth.testing.SigningKey;
import cn.ac.ihep.heps.auth.testing.TokenMint;
import cn.ac.ihep.heps.testsupport.guacamole.GuacamoleHarness;
import cn.ac.ihep.heps.testsupport.guacamole.TestRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.form.RedirectField;
import org.apache.guacamole.net.auth.credentials.GuacamoleInsufficientCredentialsException;
import org.apache.guacamole.net.auth.credentials.GuacamoleInvalidCredentialsException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs in a JVM of its own whose environment failsafe sets (see the module pom):
 * HEPS_JWT_ISSUER, HEPS_JWT_AUDIENCE, HEPS_PORTAL_URL, HEPS_JWT_MAX_LIFETIME. Guacamole reads
 * them only when guacamole.properties says {@code enable-environment-properties: true}, and a
 * value in guacamole.properties wins over the environment.
 */
class EnvironmentPropertiesIT {

    static final SigningKey KEY = SigningKey.es256("env-1");
    static final String ENV_ISSUER = "https://token.env.example";
    static final String ENV_AUDIENCE = "guacamole-env";
    static Path keys;

    @BeforeAll
    static void environmentIsSet(@TempDir Path dir) throws Exception {
        assertEquals(ENV_ISSUER, System.getenv("HEPS_JWT_ISSUER"), "run through failsafe's environment-properties execution");
        keys = dir.resolve("jwks.json");
        Files.writeString(keys, SigningKey.jwks(List.of(KEY)));
    }

    @Test
    void propertiesComeFromTheEnvironmentWhenEnabled() throws Exception {
        try (GuacamoleHarness guacamole = GuacamoleHarness.builder()
                .property("enable-environment-properties", "true")
                .property("heps-jwt-keys", keys.toString())
                .extension(BuiltExtension.jar()).start()) {
            String token = TokenMint.with(KEY).issuer(ENV_ISSUER).audience(ENV_AUDIENCE).mint();
            assertEquals("alice", guacamole.login(TestRequest.withParameter("heps_token", token)).user().getIdentifier());

            // The file's defaults were not used: the usual issuer is wrong here.
            assertThrows(GuacamoleInvalidCredentialsException.class, () -> guacamole.login(TestRequest.withParameter(
                    "heps_token", TokenMint.with(KEY).audience(ENV_AUDIENCE).mint())));

            // HEPS_JWT_MAX_LIFETIME=90 replaced the default 120 s.
            assertThrows(GuacamoleInvalidCredentialsException.class, () -> guacamole.login(TestRequest.withParameter(
                    "heps_token", TokenMint.with(KEY).issuer(ENV_ISSUER).audience(ENV_AUDIENCE)
                            .issued(Instant.now(), Duration.ofSeconds(100)).mint())));

            var redirect = assertThrows(GuacamoleInsufficientCredentialsException.class,
                    () -> guacamole.login(TestRequest.builder().build()));
            assertEquals("https://portal.env.example/desktop", assertInstanceOf(RedirectField.class,
                    redirect.getCredentialsInfo().getFields().iterator().next()).getRedirectUrl());
        }
    }

    @Test
    void guacamolePropertiesWinOverTheEnvironment() throws Exception {
        try (GuacamoleHarness guacamole = GuacamoleHarness.builder()
                .property("enable-environment-properties", "true")
                .property("heps-jwt-keys", keys.toString())
                .property("heps-jwt-audience", "from-file")
                .extension(BuiltExtension.jar()).start()) {
            String token = TokenMint.with(KEY).issuer(ENV_ISSUER).audience("from-file").mint();
            assertEquals("alice", guacamole.login(TestRequest.withParameter("heps_token", token)).user().getIdentifier());
        }
    }

    @Test
    void environmentIsIgnoredUnlessEnabled() {
        var failure = assertThrows(GuacamoleException.class, () -> GuacamoleHarness.builder()
                .property("heps-jwt-keys", keys.toString())
                .extension(BuiltExtension.jar()).start().close());
        assertTrue(failure.getMessage().contains("heps-jwt-issuer"), failure.getMessage());
    }
}
