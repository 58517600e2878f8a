package cn.ac.ihep.heps.auth;

import cn.ac.ihep.heps.auth.token.VerifiedToken;
import java.util.Collections;
import java.util.Optional;
import java.util.Set;
import org.apache.guacamole.net.auth.AbstractAuthenticatedUser;
import org.apache.guacamole.net.auth.AuthenticationProvider;
import org.apache.guacamole.net.auth.Credentials;

/** A beamline user signed in from the portal, with the union of token and directory groups. */
public class HepsAuthenticatedUser extends AbstractAuthenticatedUser {

    private final AuthenticationProvider provider;
    private final Credentials credentials;
    private final Set<String> groups;
    private final Optional<String> displayName;
    private final VerifiedToken token;

    public HepsAuthenticatedUser(AuthenticationProvider provider, Credentials credentials, String username,
            Set<String> groups, Optional<String> displayName, VerifiedToken token) {
        this.provider = provider;
        this.credentials = credentials;
        this.groups = Collections.unmodifiableSet(groups);
        this.displayName = displayName;
        this.token = token;
        setIdentifier(username);
    }

    @Override
    public AuthenticationProvider getAuthenticationProvider() {
        return provider;
    }

    @Override
    public Credentials getCredentials() {
        return credentials;
    }

    @Override
    public Set<String> getEffectiveUserGroups() {
        return groups;
    }

    public Optional<String> getDisplayName() {
        return displayName;
    }

    /** The verified token claims, including the portal's VM hint (never to be trusted alone). */
    public VerifiedToken getToken() {
        return token;
    }
}
