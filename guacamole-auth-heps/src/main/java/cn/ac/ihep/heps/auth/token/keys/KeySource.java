package cn.ac.ihep.heps.auth.token.keys;

import java.security.PublicKey;
import java.util.Optional;

/** Public keys by {@code kid}, from wherever the facility publishes them. */
public interface KeySource extends AutoCloseable {

    /** The key with this id, or empty when this source does not know it. */
    Optional<PublicKey> find(String keyId);

    @Override
    default void close() { }
}
