package cn.ac.ihep.heps.agent.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.config.ConfigurationException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The site key file and what it seals. */
class SecretBoxTest {

    @TempDir
    Path dir;

    @Test
    void aMissingKeyFileIsMadeOwnerOnlyWithItsDirectoryAndReadAgainAsTheSameKey() throws Exception {
        Path file = dir.resolve("home/sso-key");
        SiteKey made = SiteKey.loadOrCreate(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertEquals(44 + 1, Files.size(file), "32 bytes in base64 and a newline");
        byte[] sealed = new SecretBox(made).seal("account-password", "alice", "Aa1-secret");
        assertEquals("Aa1-secret", new SecretBox(SiteKey.loadOrCreate(file)).open("account-password", "alice", sealed));
        try (var leftovers = Files.list(file.getParent())) {
            assertEquals(1, leftovers.count(), "no temporary file is left behind");
        }
    }

    @Test
    void agentsStartingAtOnceAllUseOneKey() throws Exception {
        Path file = dir.resolve("sso-key");
        byte[][] sealed = IntStream.range(0, 8).mapToObj(i -> CompletableFuture.supplyAsync(
                () -> new SecretBox(SiteKey.loadOrCreate(file)).seal("p", "s", "same"))).map(CompletableFuture::join)
                .toArray(byte[][]::new);
        SecretBox box = new SecretBox(SiteKey.loadOrCreate(file));
        for (byte[] value : sealed) {
            assertEquals("same", box.open("p", "s", value));
        }
    }

    @Test
    void aKeyFileOthersMayReadIsRefusedAndSoIsAMalformedOne() throws Exception {
        Path file = dir.resolve("sso-key");
        SiteKey.loadOrCreate(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        ConfigurationException open = assertThrows(ConfigurationException.class, () -> SiteKey.loadOrCreate(file));
        assertTrue(open.getMessage().contains("chmod 600"), open.getMessage());

        Path bad = dir.resolve("bad-key");
        Files.writeString(bad, "not base64 at all!\n");
        Files.setPosixFilePermissions(bad, PosixFilePermissions.fromString("rw-------"));
        assertTrue(assertThrows(ConfigurationException.class, () -> SiteKey.loadOrCreate(bad)).getMessage()
                .contains("not one line of base64"));
        Files.writeString(bad, "c2hvcnQ=\n");
        assertTrue(assertThrows(ConfigurationException.class, () -> SiteKey.loadOrCreate(bad)).getMessage()
                .contains("must hold 32"));
    }

    @Test
    void aSealedValueHoldsNoPlaintextAndOpensOnlyForItsPurposeSubjectAndKey() throws Exception {
        SecretBox box = new SecretBox(SiteKey.loadOrCreate(dir.resolve("one")));
        String secret = "Aa1-this-is-the-password-0123456789";
        byte[] sealed = box.seal("account-password", "alice", secret);
        byte[] again = box.seal("account-password", "alice", secret);
        assertNotEquals(new String(sealed, StandardCharsets.ISO_8859_1), new String(again, StandardCharsets.ISO_8859_1),
                "a fresh nonce each time");
        assertFalse(new String(sealed, StandardCharsets.ISO_8859_1).contains("password"));
        assertEquals(1 + 12 + secret.length() + 16, sealed.length);
        assertEquals(secret, box.open("account-password", "alice", sealed));

        assertThrows(SecretBox.UnreadableSecretException.class, () -> box.open("account-password", "bob", sealed),
                "copied to another user's row");
        assertThrows(SecretBox.UnreadableSecretException.class, () -> box.open("computer-password", "alice", sealed));
        SecretBox other = new SecretBox(SiteKey.loadOrCreate(dir.resolve("two")));
        assertThrows(SecretBox.UnreadableSecretException.class, () -> other.open("account-password", "alice", sealed));
        byte[] flipped = sealed.clone();
        flipped[flipped.length - 1] ^= 1;
        assertThrows(SecretBox.UnreadableSecretException.class, () -> box.open("account-password", "alice", flipped));
        assertThrows(SecretBox.UnreadableSecretException.class, () -> box.open("account-password", "alice", new byte[3]));
    }
}
