package cn.ac.ihep.heps.auth.token.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.auth.testing.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JwksFileKeySourceTest {

    static final SigningKey OLD = SigningKey.es256("2026-01");
    static final SigningKey NEW = SigningKey.es256("2026-02");

    @Test
    void rotatedFileIsReReadWithoutRestart(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jwks.json");
        Files.writeString(file, SigningKey.jwks(List.of(OLD)));
        JwksFileKeySource source = new JwksFileKeySource(file);
        assertEquals(OLD.pair().getPublic(), source.find("2026-01").orElseThrow());
        assertTrue(source.find("2026-02").isEmpty());

        // Rotation step 1: publish the new key next to the old one.
        Files.writeString(file, SigningKey.jwks(List.of(OLD, NEW)));
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        assertEquals(NEW.pair().getPublic(), source.find("2026-02").orElseThrow());
        assertTrue(source.find("2026-01").isPresent());

        // Rotation step 2: retire the old key.
        Files.writeString(file, SigningKey.jwks(List.of(NEW)));
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(10)));
        assertTrue(source.find("2026-01").isEmpty());
        assertTrue(source.find("2026-02").isPresent());
    }

    @Test
    void brokenRewriteKeepsTheLastGoodKeys(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jwks.json");
        Files.writeString(file, SigningKey.jwks(List.of(OLD)));
        JwksFileKeySource source = new JwksFileKeySource(file);
        Files.writeString(file, "{\"keys\":[{\"kty\":");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        assertTrue(source.find("2026-01").isPresent());
    }

    @Test
    void secretKeysInTheFileAreNeverUsed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jwks.json");
        Files.writeString(file, "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"shared\",\"k\":\"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA\"}]}");
        assertTrue(new JwksFileKeySource(file).find("shared").isEmpty());
    }
}
