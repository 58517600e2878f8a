package cn.ac.ihep.heps.agent.token;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.jsonwebtoken.security.Jwks;
import io.jsonwebtoken.security.PublicJwk;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** Makes an EC P-256 signing key for portal tokens: the private key as PKCS#8 PEM, the public key as a JWKS. */
public final class TokenKeys {
    private TokenKeys() {
    }

    public static void generate(Path privatePem, Path publicJwks, String keyId) throws IOException {
        KeyPair pair;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            pair = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 is part of every Java runtime", e);
        }
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Files.deleteIfExists(privatePem);
        try {
            Files.createFile(privatePem, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(privatePem);
        }
        Files.writeString(privatePem, pem, StandardCharsets.US_ASCII);
        PublicJwk<ECPublicKey> jwk = Jwks.builder().key((ECPublicKey) pair.getPublic()).id(keyId)
                .publicKeyUse("sig").build();
        Files.writeString(publicJwks, new ObjectMapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(Map.of("keys", List.of(jwk))), StandardCharsets.UTF_8);
    }
}
