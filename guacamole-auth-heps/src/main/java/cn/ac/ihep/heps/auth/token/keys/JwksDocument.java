package cn.ac.ihep.heps.auth.token.keys;

import cn.ac.ihep.heps.auth.LogSafe;
import io.jsonwebtoken.security.Jwk;
import io.jsonwebtoken.security.JwkSet;
import io.jsonwebtoken.security.Jwks;
import io.jsonwebtoken.security.PrivateJwk;
import io.jsonwebtoken.security.PublicJwk;
import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads a JWKS document into public keys by {@code kid}. Keys without a {@code kid} and secret keys are skipped. */
final class JwksDocument {

    private static final Logger logger = LoggerFactory.getLogger(JwksDocument.class);

    private JwksDocument() { }

    static Map<String, PublicKey> parse(String json, String origin, int maximumKeys) {
        JwkSet set = Jwks.setParser().ignoreUnsupported(true).build().parse(json);
        Map<String, PublicKey> keys = new LinkedHashMap<>();
        for (Jwk<?> jwk : set.getKeys()) {
            String id = jwk.getId();
            if (id == null || id.isBlank()) {
                logger.warn("Key without \"kid\" in {} ignored.", origin);
                continue;
            }
            PublicKey key;
            if (jwk instanceof PublicJwk<?> publicJwk)
                key = publicJwk.toKey();
            else if (jwk instanceof PrivateJwk<?, ?, ?> privateJwk)
                key = privateJwk.toPublicJwk().toKey();
            else {
                // Shared secrets never come from a key set: HS256 uses heps-jwt-shared-secret only.
                logger.warn("Non-public key \"{}\" in {} ignored.", LogSafe.text(id), origin);
                continue;
            }
            if (keys.size() >= maximumKeys) {
                logger.warn("{} holds more than {} keys; the rest are ignored.", origin, maximumKeys);
                break;
            }
            keys.put(id, key);
        }
        return Map.copyOf(keys);
    }
}
