package cn.ac.ihep.heps.guacamole.resolver;

import java.util.Set;
import org.apache.guacamole.net.auth.AbstractAuthenticatedUser;
import org.apache.guacamole.net.auth.AuthenticationProvider;
import org.apache.guacamole.net.auth.Credentials;

/** A user as another extension (auth-heps, LDAP, OpenID) would have authenticated them. */
public final class TestUser extends AbstractAuthenticatedUser {

    private final Set<String> groups;

    public TestUser(String username, Set<String> groups) {
        super(true);
        setIdentifier(username);
        this.groups = Set.copyOf(groups);
    }

    @Override
    public AuthenticationProvider getAuthenticationProvider() {
        return null;
    }

    @Override
    public Credentials getCredentials() {
        return null;
    }

    @Override
    public Set<String> getEffectiveUserGroups() {
        return groups;
    }
}
