package cn.ac.ihep.heps.guacamole.resolver;

import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopIndexService;
import cn.ac.ihep.heps.guacamole.resolver.user.DesktopUserContextService;
import com.google.inject.Guice;
import com.google.inject.Injector;
import java.time.Clock;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.environment.Environment;
import org.apache.guacamole.net.auth.AbstractAuthenticationProvider;
import org.apache.guacamole.net.auth.AuthenticatedUser;
import org.apache.guacamole.net.auth.Credentials;
import org.apache.guacamole.net.auth.UserContext;

/**
 * Offers every authenticated user, whoever authenticated them, their desktop VMs as
 * connections. It authenticates no one itself.
 */
public class VmResolverAuthenticationProvider extends AbstractAuthenticationProvider {

    /** Also the data source name in Guacamole URLs ({@code …/#/client/<id>?…}). */
    public static final String IDENTIFIER = "heps-vm-resolver";

    private final Injector injector;

    /** A resolver over the given configuration and cloud (tests, benchmarks, embedding). */
    public VmResolverAuthenticationProvider(Environment environment, CloudProvider cloud) throws GuacamoleException {
        this.injector = Guice.createInjector(new VmResolverModule(this, environment, cloud, Clock.systemUTC()));
        injector.getInstance(DesktopIndexService.class).start();
    }

    @Override
    public String getIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public UserContext getUserContext(AuthenticatedUser authenticatedUser) throws GuacamoleException {
        return injector.getInstance(DesktopUserContextService.class).getUserContext(authenticatedUser);
    }

    /** Re-reads the user's desktops, so a VM created since login shows up after re-authentication. */
    @Override
    public UserContext updateUserContext(UserContext context, AuthenticatedUser authenticatedUser,
            Credentials credentials) throws GuacamoleException {
        return getUserContext(authenticatedUser);
    }

    @Override
    public void shutdown() {
        injector.getInstance(DesktopIndexService.class).close();
    }
}
