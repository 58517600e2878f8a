package cn.ac.ihep.heps.auth.replay;

import java.time.Instant;

/** Remembers token ids so that each token is used once. */
public interface ReplayStore extends AutoCloseable {

    /**
     * Records {@code tokenId} as used until {@code forgetAfter}. Returns true the first time an id
     * is seen, false if it was seen before (a replay).
     *
     * @throws ReplayStoreUnavailableException if the store cannot answer (then the token is refused)
     */
    boolean firstUse(String tokenId, Instant forgetAfter) throws ReplayStoreUnavailableException;

    @Override
    default void close() { }
}
