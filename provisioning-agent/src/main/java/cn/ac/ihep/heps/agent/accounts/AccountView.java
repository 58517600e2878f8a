package cn.ac.ihep.heps.agent.accounts;

import java.time.Instant;
import java.util.List;

/**
 * One member's directory account as the agent knows it, for {@code heps accounts} and
 * {@code GET /v1/accounts}. {@code state}: {@code ok} (numbers recorded, no conflict),
 * {@code pending} (a member without numbers yet: the next pass creates the account),
 * {@code conflict} (numbers disagree; see {@code conflict}), {@code kept} (no longer a member
 * of a current experiment; the account stays). Numbers are null while pending.
 */
public record AccountView(String username, String state, Integer uidNumber, Integer gidNumber, String origin,
        List<String> groups, String conflict, Instant createdAt) {

    public AccountView {
        groups = List.copyOf(groups);
    }
}
