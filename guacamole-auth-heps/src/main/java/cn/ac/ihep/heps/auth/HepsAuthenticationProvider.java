package cn.ac.ihep.heps.auth;

import cn.ac.ihep.heps.auth.directory.DirectoryService;
import cn.ac.ihep.heps.auth.replay.ReplayStore;
import cn.ac.ihep.heps.auth.token.keys.KeySource;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.ProvisionException;
import com.google.inject.TypeLiteral;
import java.util.List;
import java.util.Optional;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleServerException;
import org.apache.guacamole.net.auth.AbstractAuthenticationProvider;
import org.apache.guacamole.net.auth.AuthenticatedUser;
import org.apache.guacamole.net.auth.Credentials;

/**
 * Guacamole entry point: signs in users arriving from the HEPS user portal with a token.
 * It builds a private injector and hands every call to {@link AuthenticationProviderService}.
 */
public class HepsAuthenticationProvider extends AbstractAuthenticationProvider {

    public static final String IDENTIFIER = "heps";

    private final Injector injector;

    public HepsAuthenticationProvider() throws GuacamoleException {
        injector = Guice.createInjector(new HepsAuthenticationProviderModule(this));
        try {
            // Build everything now, so a configuration error stops Guacamole at start-up with
            // its message rather than at the first login.
            injector.getInstance(AuthenticationProviderService.class);
        }
        catch (ProvisionException e) {
            if (e.getCause() instanceof GuacamoleException cause)
                throw cause;
            throw new GuacamoleServerException("HEPS authentication cannot start: " + e.getMessage(), e);
        }
    }

    @Override
    public String getIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public AuthenticatedUser authenticateUser(Credentials credentials) throws GuacamoleException {
        return injector.getInstance(AuthenticationProviderService.class).authenticateUser(credentials);
    }

    @Override
    public void shutdown() {
        injector.getInstance(Key.get(new TypeLiteral<Optional<DirectoryService>>() { })).ifPresent(DirectoryService::close);
        injector.getInstance(ReplayStore.class).close();
        injector.getInstance(Key.get(new TypeLiteral<List<KeySource>>() { })).forEach(KeySource::close);
    }
}
