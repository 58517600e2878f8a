package cn.ac.ihep.heps.guacamole.resolver.share;

import org.apache.guacamole.net.auth.AbstractAuthenticatedUser;
import org.apache.guacamole.net.auth.AuthenticationProvider;
import org.apache.guacamole.net.auth.Credentials;

/**
 * Someone who opened a share link: anonymous to Guacamole (no facility account is needed to
 * watch a desktop someone shares), holding exactly one grant.
 */
public class SharedDesktopUser extends AbstractAuthenticatedUser {

    private final AuthenticationProvider authProvider;
    private final Credentials credentials;
    private final ShareGrant grant;

    public SharedDesktopUser(AuthenticationProvider authProvider, Credentials credentials, ShareGrant grant) {
        super(true);
        this.authProvider = authProvider;
        this.credentials = credentials;
        this.grant = grant;
        setIdentifier(ANONYMOUS_IDENTIFIER);
    }

    public ShareGrant grant() {
        return grant;
    }

    @Override
    public AuthenticationProvider getAuthenticationProvider() {
        return authProvider;
    }

    @Override
    public Credentials getCredentials() {
        return credentials;
    }
}
