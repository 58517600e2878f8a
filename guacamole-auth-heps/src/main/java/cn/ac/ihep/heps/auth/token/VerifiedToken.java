package cn.ac.ihep.heps.auth.token;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a valid token says about its holder.
 *
 * @param subject       the facility username ({@code sub}, or {@code username} from introspection)
 * @param tokenId       the one-use identifier: the {@code jti}, or a hash of an opaque token
 * @param expiresAt     when the token stops being valid; its id is remembered until then
 * @param groups        the {@code groups} claim as sent (trusted only when configured)
 * @param displayName   the {@code name} claim
 * @param experiment    the {@code experiment} claim (proposal id)
 * @param suggestedVm   the {@code vm} claim: a hint to check against ownership, never trusted alone
 */
public record VerifiedToken(
        String subject,
        String tokenId,
        Instant expiresAt,
        List<String> groups,
        Optional<String> displayName,
        Optional<String> experiment,
        Optional<String> suggestedVm) {

    public VerifiedToken {
        groups = List.copyOf(groups);
    }
}
