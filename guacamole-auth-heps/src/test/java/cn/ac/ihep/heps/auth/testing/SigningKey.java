package cn.ac.ihep.heps.auth.testing;

import io.jsonwebtoken.security.Jwks;
import io.jsonwebtoken.security.PublicJwk;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import java.util.stream.Collectors;

/** A token server's signing key pair with its kid and JWS algorithm. */
public record SigningKey(String keyId, String algorithm, KeyPair pair) {

    public static SigningKey es256(String keyId) {
        return new SigningKey(keyId, "ES256", generate("EC", new ECGenParameterSpec("secp256r1")));
    }

    public static SigningKey rs256(String keyId) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return new SigningKey(keyId, "RS256", generator.generateKeyPair());
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static SigningKey ed25519(String keyId) {
        try {
            return new SigningKey(keyId, "EdDSA", KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair generate(String type, ECGenParameterSpec spec) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(type);
            generator.initialize(spec);
            return generator.generateKeyPair();
        }
        catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** This key's public half as one JWK object. */
    public String publicJwk() {
        PublicJwk<?> jwk = Jwks.builder().key(pair.getPublic()).id(keyId).build();
        return Jwks.json(jwk);
    }

    /** A JWKS document holding the public halves of {@code keys}. */
    public static String jwks(List<SigningKey> keys) {
        return keys.stream().map(SigningKey::publicJwk).collect(Collectors.joining(",", "{\"keys\":[", "]}"));
    }
}
