package cn.ac.ihep.heps.auth.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.auth.conf.ConfigurationService;
import cn.ac.ihep.heps.auth.replay.MemoryReplayStore;
import cn.ac.ihep.heps.auth.testing.SigningKey;
import cn.ac.ihep.heps.auth.testing.TokenMint;
import cn.ac.ihep.heps.auth.token.keys.KeySource;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TokenServiceTest {

    static final SigningKey KEY = SigningKey.es256("unit-1");

    /** Counts key look-ups: a look-up means the token's header was parsed. */
    static final class CountingKeys implements KeySource {
        final AtomicInteger lookups = new AtomicInteger();

        @Override
        public Optional<PublicKey> find(String keyId) {
            lookups.incrementAndGet();
            return KEY.keyId().equals(keyId) ? Optional.of(KEY.pair().getPublic()) : Optional.empty();
        }
    }

    static TokenService service(KeySource keys) {
        SignedTokenVerifier verifier = new SignedTokenVerifier(List.of(keys), Set.of("ES256"), Optional.empty(),
                TokenMint.ISSUER, TokenMint.AUDIENCE, Duration.ofSeconds(120), Duration.ofSeconds(30), Clock.systemUTC());
        return new TokenService(Optional.of(verifier), Optional.empty(), new MemoryReplayStore(Clock.systemUTC()),
                Duration.ofSeconds(30), Pattern.compile(ConfigurationService.DEFAULT_USERNAME_PATTERN));
    }

    @Test
    void tokenOver8KiBIsRefusedBeforeAnyParsing() throws Exception {
        CountingKeys keys = new CountingKeys();
        TokenService service = service(keys);
        String big = TokenMint.with(KEY).claim("padding", "x".repeat(9000)).mint();
        var failure = assertThrows(TokenRejectedException.class, () -> service.verify(new PresentedToken(big)));
        assertTrue(failure.getMessage().contains("8192"));
        assertEquals(0, keys.lookups.get(), "no header was parsed");

        // The same claims within the limit are parsed and accepted.
        assertEquals("alice", service.verify(new PresentedToken(TokenMint.with(KEY).claim("padding", "x".repeat(100)).mint())).subject());
        assertEquals(1, keys.lookups.get());
    }

    @Test
    void claimsAreCarriedThrough() throws Exception {
        VerifiedToken token = service(new CountingKeys()).verify(new PresentedToken(TokenMint.with(KEY)
                .groups("g1", "g2").claim("name", "Alice Zhang").claim("experiment", "2026-0042").claim("vm", "0b1e").mint()));
        assertEquals(List.of("g1", "g2"), token.groups());
        assertEquals(Optional.of("Alice Zhang"), token.displayName());
        assertEquals(Optional.of("2026-0042"), token.experiment());
        assertEquals(Optional.of("0b1e"), token.suggestedVm());
    }

    @Test
    void malformedOptionalClaimsAreRefused() {
        TokenService service = service(new CountingKeys());
        assertThrows(TokenRejectedException.class, () -> service.verify(new PresentedToken(TokenMint.with(KEY).claim("groups", "g1").mint())));
        assertThrows(TokenRejectedException.class, () -> service.verify(new PresentedToken(TokenMint.with(KEY).claim("groups", List.of(1, 2)).mint())));
        assertThrows(TokenRejectedException.class, () -> service.verify(new PresentedToken(TokenMint.with(KEY).claim("name", 7).mint())));
    }

    @Test
    void aSubjectThatIsNoFacilityUsernameIsRefusedAndTheTokenNotSpent() throws Exception {
        TokenService service = service(new CountingKeys());
        for (String subject : List.of("alice\nINFO forged line", "alice\u0000", " alice", "alice ", "\u212Aate",
                "al ice", "-alice", "a".repeat(49))) {
            String token = TokenMint.with(KEY).subject(subject).mint();
            var failure = assertThrows(TokenRejectedException.class, () -> service.verify(new PresentedToken(token)),
                    subject);
            assertTrue(failure.getMessage().contains("facility username"), failure.getMessage());
        }
        for (String subject : List.of("kate", "Kate", "a.b_c-d", "a".repeat(48))) {
            assertEquals(subject, service.verify(new PresentedToken(TokenMint.with(KEY).subject(subject).mint())).subject());
        }
    }
}
