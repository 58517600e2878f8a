package cn.ac.ihep.heps.agent.token;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Jwk;
import io.jsonwebtoken.security.Jwks;
import io.jsonwebtoken.security.SecureDigestAlgorithm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * Mints the token a facility portal would send (CONTRACTS §1a): header {@code typ}
 * {@code heps-desktop+jwt} and {@code kid}; claims {@code iss}, {@code aud}, {@code sub},
 * {@code iat}, {@code exp}, {@code jti}, optionally {@code groups}. ES256 for an EC P-256 key
 * (the default), EdDSA for Ed25519, RS256 for RSA. Used to test a site end to end.
 */
public final class PortalTokenIssuer {
    public static final String TYPE = "heps-desktop+jwt";

    private final PrivateKey key;
    private final String keyId;
    private final SecureDigestAlgorithm<PrivateKey, ?> algorithm;
    private final Clock clock;

    public PortalTokenIssuer(PrivateKey key, String keyId, Clock clock) {
        if (keyId == null || keyId.isBlank()) {
            throw new IllegalArgumentException("A key id (kid) is required: set token-key-id or use a JWK with a kid");
        }
        this.key = key;
        this.keyId = keyId;
        this.algorithm = algorithmFor(key);
        this.clock = clock;
    }

    @SuppressWarnings("unchecked")
    static SecureDigestAlgorithm<PrivateKey, ?> algorithmFor(PrivateKey key) {
        if (key instanceof ECPrivateKey ec) {
            int bits = ec.getParams().getOrder().bitLength();
            if (bits != 256) {
                throw new IllegalArgumentException("Only EC P-256 keys (ES256) are supported, not a " + bits + "-bit curve");
            }
            return (SecureDigestAlgorithm<PrivateKey, ?>) (SecureDigestAlgorithm<?, ?>) Jwts.SIG.ES256;
        }
        if (key instanceof EdECPrivateKey) {
            return (SecureDigestAlgorithm<PrivateKey, ?>) (SecureDigestAlgorithm<?, ?>) Jwts.SIG.EdDSA;
        }
        if (key instanceof RSAPrivateKey) {
            return (SecureDigestAlgorithm<PrivateKey, ?>) (SecureDigestAlgorithm<?, ?>) Jwts.SIG.RS256;
        }
        throw new IllegalArgumentException("Unsupported key type " + key.getAlgorithm()
                + ": use an EC P-256, Ed25519 or RSA private key");
    }

    public String algorithm() {
        return algorithm.getId();
    }

    public String keyId() {
        return keyId;
    }

    /** The claims of a token, as issued; for {@code --output json}. */
    public record Issued(String token, String subject, String issuer, String audience, String keyId,
            String algorithm, String jti, Instant issuedAt, Instant expiresAt, List<String> groups) {
    }

    public Issued issue(String subject, String issuer, String audience, Duration lifetime, List<String> groups) {
        Instant now = clock.instant();
        Instant expires = now.plus(lifetime);
        String jti = UUID.randomUUID().toString();
        var builder = Jwts.builder()
                .header().keyId(keyId).type(TYPE).and()
                .issuer(issuer)
                .audience().add(audience).and()
                .subject(subject)
                .issuedAt(Date.from(now))
                .expiration(Date.from(expires))
                .id(jti);
        if (!groups.isEmpty()) {
            builder.claim("groups", groups);
        }
        String token = builder.signWith(key, algorithm).compact();
        return new Issued(token, subject, issuer, audience, keyId, algorithm.getId(), jti, now, expires,
                List.copyOf(groups));
    }

    /** A key and the kid found with it (a JWK's own kid), from a PKCS#8 PEM or a private JWK file. */
    public record LoadedKey(PrivateKey key, String keyId) {
    }

    public static LoadedKey load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read the token key " + file + ": " + e.getMessage());
        }
        if (text.startsWith("{")) {
            Jwk<?> jwk;
            try {
                jwk = Jwks.parser().build().parse(text);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("The token key " + file + " is not a valid JWK: " + e.getMessage());
            }
            Key key = jwk.toKey();
            if (!(key instanceof PrivateKey privateKey)) {
                throw new IllegalArgumentException("The JWK in " + file + " is a public key; the issuer needs the private JWK");
            }
            return new LoadedKey(privateKey, jwk.getId());
        }
        if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new IllegalArgumentException("The token key " + file + " must be a PKCS#8 PEM ('BEGIN PRIVATE KEY'; "
                    + "convert with 'openssl pkcs8 -topk8 -nocrypt') or a private JWK");
        }
        String base64 = text.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(base64);
        for (String algorithm : List.of("EC", "Ed25519", "RSA")) {
            try {
                return new LoadedKey(KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der)), null);
            } catch (GeneralSecurityException e) {
                // Try the next key type.
            }
        }
        throw new IllegalArgumentException("The token key " + file + " is not an EC, Ed25519 or RSA private key");
    }
}
