package cn.ac.ihep.heps.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cn.ac.ihep.heps.auth.testing.BuiltExtension;
import cn.ac.ihep.heps.auth.testing.SigningKey;
import cn.ac.ihep.heps.auth.testing.TokenMint;
import cn.ac.ihep.heps.testsupport.guacamole.GuacamoleHarness;
import cn.ac.ihep.heps.testsupport.guacamole.TestRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.guacamole.net.auth.AuthenticationProvider;
import org.apache.guacamole.net.auth.credentials.GuacamoleInvalidCredentialsException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Guacamole nodes sharing the Redis replay store at 127.0.0.1:6379: the built jar loaded
 * twice, each copy in its own class loader with its own injector, memory and Redis client.
 */
class RedisTwoNodeIT {

    static final SigningKey KEY = SigningKey.es256("redis-test");
    static GuacamoleHarness guacamole;
    static AuthenticationProvider nodeA;
    static AuthenticationProvider nodeB;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        Path keys = dir.resolve("jwks.json");
        Files.writeString(keys, SigningKey.jwks(List.of(KEY)));
        guacamole = GuacamoleHarness.builder()
                .properties(Map.of(
                        "heps-jwt-issuer", TokenMint.ISSUER,
                        "heps-jwt-audience", TokenMint.AUDIENCE,
                        "heps-jwt-keys", keys.toString(),
                        "heps-replay-store", "redis",
                        "heps-redis-uri", "redis://127.0.0.1:6379",
                        "heps-redis-key-prefix", "heps-test:" + UUID.randomUUID() + ":"))
                .extension(BuiltExtension.jar())
                .extension(BuiltExtension.jar())
                .start();
        nodeA = guacamole.extensions().get(0).authenticationProviders().get(0);
        nodeB = guacamole.extensions().get(1).authenticationProviders().get(0);
        assertNotSame(nodeA.getClass(), nodeB.getClass(), "each node has its own copy of the extension");
    }

    @AfterAll
    static void stop() {
        guacamole.close();
    }

    static TestRequest request(String token) {
        return TestRequest.withParameter("heps_token", token);
    }

    @Test
    void tokenUsedOnOneNodeIsRefusedOnTheOther() throws Exception {
        String token = TokenMint.with(KEY).mint();
        assertEquals("alice", guacamole.authenticate(nodeA, request(token)).getIdentifier());
        assertThrows(GuacamoleInvalidCredentialsException.class, () -> guacamole.authenticate(nodeB, request(token)));
        assertThrows(GuacamoleInvalidCredentialsException.class, () -> guacamole.authenticate(nodeA, request(token)));
    }

    @Test
    void twoNodesRacingOnOneTokenLetExactlyOneWin() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 20; round++) {
                String token = TokenMint.with(KEY).mint();
                List<Callable<Boolean>> attempts = new java.util.ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    AuthenticationProvider node = i % 2 == 0 ? nodeA : nodeB;
                    attempts.add(() -> {
                        try {
                            return guacamole.authenticate(node, request(token)) != null;
                        }
                        catch (GuacamoleInvalidCredentialsException e) {
                            return false;
                        }
                    });
                }
                int wins = 0;
                for (Future<Boolean> result : pool.invokeAll(attempts))
                    wins += result.get() ? 1 : 0;
                assertEquals(1, wins, "round " + round);
            }
        }
        finally {
            pool.shutdownNow();
        }
    }
}
