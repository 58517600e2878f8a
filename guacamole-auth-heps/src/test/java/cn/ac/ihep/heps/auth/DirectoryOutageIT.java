package cn.ac.ihep.heps.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.auth.testing.BuiltExtension;
import cn.ac.ihep.heps.auth.testing.SigningKey;
import cn.ac.ihep.heps.auth.testing.TokenMint;
import cn.ac.ihep.heps.testsupport.guacamole.GuacamoleHarness;
import cn.ac.ihep.heps.testsupport.guacamole.TestRequest;
import cn.ac.ihep.heps.testsupport.ldap.DirectoryFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.guacamole.net.auth.credentials.GuacamoleInvalidCredentialsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two directory servers in failover order: when the first goes down the pool moves to the
 * second; when both are down logins are refused within the timeout; when one is back, logins
 * work again, without restarting Guacamole.
 */
class DirectoryOutageIT {

    static final SigningKey KEY = SigningKey.es256("outage");

    @Test
    void failoverThenOutageThenRecovery(@TempDir Path dir) throws Exception {
        try (DirectoryFixture primary = DirectoryFixture.posix(); DirectoryFixture secondary = DirectoryFixture.posix();
             GuacamoleHarness guacamole = start(dir, primary, secondary, Map.of())) {

            assertEquals("alice", login(guacamole));
            assertTrue(primary.searchCount() > 0);

            primary.stop();
            long secondaryBefore = secondary.searchCount();
            assertEquals("alice", login(guacamole));
            assertTrue(secondary.searchCount() > secondaryBefore, "the second server answered");

            secondary.stop();
            long start = System.nanoTime();
            assertThrows(GuacamoleInvalidCredentialsException.class, () -> login(guacamole));
            assertTrue((System.nanoTime() - start) / 1_000_000 < 5000, "refused promptly");

            primary.restart();
            assertEquals("alice", login(guacamole));
        }
    }

    /**
     * A pool holding several connections to the first server when it dies: every one of them is
     * dead, and the next login must still reach the second server, not be refused.
     */
    @Test
    void aServerDyingUnderAFullPoolFailsOverForTheNextLogin(@TempDir Path dir) throws Exception {
        try (DirectoryFixture primary = DirectoryFixture.posix(); DirectoryFixture secondary = DirectoryFixture.posix();
             GuacamoleHarness guacamole = start(dir, primary, secondary, Map.of("heps-ldap-pool-size", "6"))) {
            // Concurrent logins fill the pool with connections to the first server.
            ExecutorService logins = Executors.newFixedThreadPool(6);
            try {
                for (int round = 0; round < 5; round++) {
                    List<Future<String>> users = new ArrayList<>();
                    for (int i = 0; i < 6; i++) {
                        users.add(logins.submit(() -> login(guacamole)));
                    }
                    for (Future<String> user : users) {
                        assertEquals("alice", user.get(10, TimeUnit.SECONDS));
                    }
                }
            } finally {
                logins.shutdownNow();
            }

            primary.stop();
            for (int i = 0; i < 6; i++) {
                assertEquals("alice", login(guacamole), "login " + (i + 1) + " after the first server died");
            }
        }
    }

    /** Guacamole with the built extension, the two servers in failover order and a 1 s timeout. */
    private static GuacamoleHarness start(Path dir, DirectoryFixture primary, DirectoryFixture secondary,
            Map<String, String> extra) throws Exception {
        Path keys = dir.resolve("jwks.json");
        Files.writeString(keys, SigningKey.jwks(List.of(KEY)));
        Map<String, String> properties = new java.util.HashMap<>(Map.of(
                "heps-jwt-issuer", TokenMint.ISSUER,
                "heps-jwt-audience", TokenMint.AUDIENCE,
                "heps-jwt-keys", keys.toString(),
                "heps-ldap-urls", primary.url() + " " + secondary.url(),
                "heps-ldap-bind-dn", primary.bindDn(),
                "heps-ldap-bind-password", primary.bindPassword(),
                "heps-ldap-user-base-dn", primary.userBaseDn(),
                "heps-ldap-group-base-dn", primary.groupBaseDn(),
                "heps-ldap-timeout", "1000"));
        properties.putAll(extra);
        return GuacamoleHarness.builder().properties(properties).extension(BuiltExtension.jar()).start();
    }

    private static String login(GuacamoleHarness guacamole) throws Exception {
        return guacamole.login(TestRequest.withParameter("heps_token", TokenMint.with(KEY).subject("alice").mint()))
                .user().getIdentifier();
    }
}
