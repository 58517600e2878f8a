package cn.ac.ihep.heps.auth.token;

import cn.ac.ihep.heps.auth.conf.ConfigurationService;
import cn.ac.ihep.heps.auth.replay.ReplayStore;
import cn.ac.ihep.heps.auth.replay.ReplayStoreUnavailableException;
import cn.ac.ihep.heps.auth.token.introspection.IntrospectionClient;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns a presented token into a verified, first-time-used identity, or a refusal: size limit
 * first (before any parsing), then a signed token is checked locally and anything else is
 * introspected when an introspection URL is configured, then its subject must be a facility
 * username ({@code heps-username-pattern}), then its id is recorded as used.
 */
public final class TokenService {

    private final Optional<SignedTokenVerifier> signedTokens;
    private final Optional<IntrospectionClient> introspection;
    private final ReplayStore replayStore;
    private final Duration clockSkew;
    private final Pattern usernamePattern;

    public TokenService(Optional<SignedTokenVerifier> signedTokens, Optional<IntrospectionClient> introspection,
            ReplayStore replayStore, Duration clockSkew, Pattern usernamePattern) {
        this.signedTokens = signedTokens;
        this.introspection = introspection;
        this.replayStore = replayStore;
        this.clockSkew = clockSkew;
        this.usernamePattern = usernamePattern;
    }

    public VerifiedToken verify(PresentedToken token) throws TokenRejectedException {
        if (token.length() > ConfigurationService.MAX_TOKEN_BYTES)
            throw new TokenRejectedException("token longer than " + ConfigurationService.MAX_TOKEN_BYTES + " bytes");
        VerifiedToken verified;
        if (token.looksLikeJwt() && signedTokens.isPresent())
            verified = signedTokens.get().verify(token);
        else if (!token.looksLikeJwt() && introspection.isPresent())
            verified = introspection.get().introspect(token);
        else
            throw new TokenRejectedException(token.looksLikeJwt()
                    ? "signed token but no keys configured" : "opaque token but no introspection configured");
        // Before the token is spent: a subject with a newline, a NUL, spaces, or a letter that folds
        // to another user's name under case-insensitive matching (U+212A KELVIN SIGN for K) is no user.
        if (!usernamePattern.matcher(verified.subject()).matches())
            throw new TokenRejectedException("subject is not a facility username (heps-username-pattern)");
        try {
            if (!replayStore.firstUse(verified.tokenId(), verified.expiresAt().plus(clockSkew)))
                throw new TokenRejectedException("replayed token id");
        }
        catch (ReplayStoreUnavailableException e) {
            throw new TokenRejectedException(e.getMessage(), e);
        }
        return verified;
    }
}
