package cn.ac.ihep.heps.common.desktop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class VncPasswordDerivationTest {

    private static final String SECRET = "site-secret-of-at-least-16-bytes";

    @Test
    void sameSecretAndServerGiveTheSamePassword() {
        String server = "2f1c9a8e-5b7d-4e1f-9c3a-7d6b5e4f3a21";
        assertEquals(new VncPasswordDerivation(SECRET).passwordFor(server),
                new VncPasswordDerivation(SECRET).passwordFor(server));
    }

    @Test
    void passwordIsEightCharactersBecauseVncTruncatesTheRest() {
        String password = new VncPasswordDerivation(SECRET).passwordFor(UUID.randomUUID().toString());
        assertEquals(VncPasswordDerivation.LENGTH, password.length());
        assertTrue(password.chars().allMatch(Character::isLetterOrDigit), password);
    }

    @Test
    void differentServersAndSecretsGiveDifferentPasswords() {
        VncPasswordDerivation derivation = new VncPasswordDerivation(SECRET);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            seen.add(derivation.passwordFor(UUID.randomUUID().toString()));
        }
        assertEquals(2000, seen.size());
        assertNotEquals(derivation.passwordFor("server-a"),
                new VncPasswordDerivation(SECRET + "-rotated").passwordFor("server-a"));
    }

    @Test
    void shortSecretsAndMissingServerIdsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new VncPasswordDerivation("short"));
        assertThrows(IllegalArgumentException.class, () -> new VncPasswordDerivation(SECRET).passwordFor(" "));
    }
}
