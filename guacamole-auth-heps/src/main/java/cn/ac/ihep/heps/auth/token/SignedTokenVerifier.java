package cn.ac.ihep.heps.auth.token;

import cn.ac.ihep.heps.auth.token.keys.KeySource;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.IncorrectClaimException;
import io.jsonwebtoken.Jws;
import io.jsonwebtoken.JwsHeader;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.LocatorAdapter;
import io.jsonwebtoken.MissingClaimException;
import io.jsonwebtoken.PrematureJwtException;
import io.jsonwebtoken.security.Keys;
import io.jsonwebtoken.security.SignatureException;
import java.security.Key;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.crypto.SecretKey;

/**
 * Checks a portal token signed as a compact JWS (CONTRACTS §1a): the header's {@code alg} is on
 * the allow-list and fits the key, {@code kid} names a key we hold, {@code typ} is
 * {@value #TYPE}; {@code iss}, {@code aud}, {@code sub}, {@code iat}, {@code exp}, {@code jti}
 * are present and right, {@code nbf} is honoured, the lifetime is short enough. Keys are looked
 * up by {@code kid} in our own key sources only: {@code jku}, {@code x5u} and {@code jwk} headers
 * are never consulted.
 */
public final class SignedTokenVerifier {

    public static final String TYPE = "heps-desktop+jwt";

    private final List<KeySource> keySources;
    private final Set<String> allowedAlgorithms;
    private final Optional<SecretKey> sharedSecret;
    private final Duration maxLifetime;
    private final Duration clockSkew;
    private final Clock clock;
    private final JwtParser parser;

    public SignedTokenVerifier(List<KeySource> keySources, Set<String> allowedAlgorithms,
            Optional<byte[]> sharedSecret, String issuer, String audience, Duration maxLifetime,
            Duration clockSkew, Clock clock) {
        this.keySources = List.copyOf(keySources);
        this.allowedAlgorithms = Set.copyOf(allowedAlgorithms);
        this.sharedSecret = sharedSecret.map(Keys::hmacShaKeyFor);
        this.maxLifetime = maxLifetime;
        this.clockSkew = clockSkew;
        this.clock = clock;
        this.parser = Jwts.parser()
                .keyLocator(new KeyLocator())
                .requireIssuer(issuer)
                .requireAudience(audience)
                .clockSkewSeconds(clockSkew.toSeconds())
                .clock(() -> Date.from(clock.instant()))
                .build();
    }

    /** Local failures inside key location, carried out of jjwt to keep their reason. */
    private static final class KeyRefused extends JwtException {
        private static final long serialVersionUID = 1L;

        KeyRefused(String reason) {
            super(reason);
        }
    }

    private final class KeyLocator extends LocatorAdapter<Key> {
        @Override
        protected Key locate(JwsHeader header) {
            String algorithm = header.getAlgorithm();
            if (algorithm == null || !allowedAlgorithms.contains(algorithm))
                throw new KeyRefused("algorithm \"" + algorithm + "\" is not allowed");
            if (!TYPE.equals(header.getType()))
                throw new KeyRefused("typ is \"" + header.getType() + "\", not \"" + TYPE + "\"");
            String keyId = header.getKeyId();
            if (keyId == null || keyId.isBlank())
                throw new KeyRefused("no kid in header");
            if (algorithm.startsWith("HS")) {
                // A shared secret never comes from the key sets, so a published public key can
                // never be used as an HMAC secret.
                return sharedSecret.orElseThrow(() -> new KeyRefused("HMAC token but no shared secret configured"));
            }
            for (KeySource source : keySources) {
                Optional<PublicKey> key = source.find(keyId);
                if (key.isPresent()) {
                    requireFamily(algorithm, key.get());
                    return key.get();
                }
            }
            throw new KeyRefused("unknown kid \"" + keyId + "\"");
        }

        @Override
        protected Key doLocate(io.jsonwebtoken.Header header) {
            throw new KeyRefused("not a signed token");
        }
    }

    private static void requireFamily(String algorithm, PublicKey key) {
        String keyType = key.getAlgorithm();
        boolean fits = switch (algorithm.substring(0, 2)) {
            case "ES" -> keyType.equals("EC");
            case "RS", "PS" -> keyType.equals("RSA") || keyType.equals("RSASSA-PSS");
            case "Ed" -> keyType.equals("EdDSA") || keyType.equals("Ed25519") || keyType.equals("Ed448");
            default -> false;
        };
        if (!fits)
            throw new KeyRefused("algorithm " + algorithm + " does not fit the " + keyType + " key named by kid");
    }

    public VerifiedToken verify(PresentedToken token) throws TokenRejectedException {
        Jws<Claims> jws;
        try {
            jws = parser.parseSignedClaims(token.value());
        }
        catch (KeyRefused e) {
            throw new TokenRejectedException(e.getMessage());
        }
        catch (ExpiredJwtException e) {
            throw new TokenRejectedException("expired");
        }
        catch (PrematureJwtException e) {
            throw new TokenRejectedException("not yet valid (nbf)");
        }
        catch (MissingClaimException | IncorrectClaimException e) {
            throw new TokenRejectedException("claim " + e.getClaimName() + " missing or wrong");
        }
        catch (SignatureException e) {
            throw new TokenRejectedException("signature does not verify");
        }
        catch (JwtException | IllegalArgumentException e) {
            throw new TokenRejectedException("malformed or unsupported token (" + e.getClass().getSimpleName() + ")");
        }
        return claimsOf(jws.getPayload());
    }

    private VerifiedToken claimsOf(Claims claims) throws TokenRejectedException {
        String subject = claims.getSubject();
        if (subject == null || subject.isBlank())
            throw new TokenRejectedException("no sub");
        String tokenId = claims.getId();
        if (tokenId == null || tokenId.isBlank())
            throw new TokenRejectedException("no jti");
        Date issuedAt = claims.getIssuedAt();
        Date expiration = claims.getExpiration();
        if (issuedAt == null)
            throw new TokenRejectedException("no iat");
        if (expiration == null)
            throw new TokenRejectedException("no exp");
        Instant now = clock.instant();
        if (issuedAt.toInstant().isAfter(now.plus(clockSkew)))
            throw new TokenRejectedException("iat is in the future");
        Duration lifetime = Duration.between(issuedAt.toInstant(), expiration.toInstant());
        if (lifetime.compareTo(maxLifetime) > 0)
            throw new TokenRejectedException("lifetime " + lifetime.toSeconds() + " s exceeds " + maxLifetime.toSeconds() + " s");
        return new VerifiedToken(subject, tokenId, expiration.toInstant(), stringList(claims.get("groups")),
                optionalString(claims.get("name")), optionalString(claims.get("experiment")),
                optionalString(claims.get("vm")));
    }

    static List<String> stringList(Object value) throws TokenRejectedException {
        if (value == null)
            return List.of();
        if (!(value instanceof List<?> list))
            throw new TokenRejectedException("groups is not an array");
        List<String> groups = new ArrayList<>(list.size());
        for (Object element : list) {
            if (!(element instanceof String s) || s.isBlank())
                throw new TokenRejectedException("groups holds a non-string or empty entry");
            groups.add(s);
        }
        return groups;
    }

    static Optional<String> optionalString(Object value) throws TokenRejectedException {
        if (value == null)
            return Optional.empty();
        if (!(value instanceof String s))
            throw new TokenRejectedException("a string claim holds " + value.getClass().getSimpleName());
        return Optional.of(s);
    }
}
