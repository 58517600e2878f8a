package cn.ac.ihep.heps.guacamole.resolver;

import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopIndexService;
import cn.ac.ihep.heps.guacamole.resolver.user.DesktopUserContextService;
import com.google.inject.Guice;
import com.google.inject.Injector;
import java.time.Clock;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.environment.Environment;
import org.apache.guacamole.environment.LocalEnvironment;
import org.apache.guacamole.language.TranslatableGuacamoleServerException;
import org.apache.guacamole.language.TranslatableMessage;
import org.apache.guacamole.net.auth.AbstractAuthenticationProvider;
import org.apache.guacamole.net.auth.AuthenticatedUser;
import org.apache.guacamole.net.auth.Credentials;
import org.apache.guacamole.net.auth.UserContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offers every authenticated user, whoever authenticated them, their desktop VMs as
 * connections. It authenticates no one itself.
 *
 * <p>A resolver that cannot start (unreadable configuration, no OpenStack credentials) does
 * not throw from its constructor: Guacamole would log the extension as loaded, drop it, and
 * let every user in with no desktop. It logs the cause at ERROR and refuses every sign-in
 * with a message saying the desktops are unavailable, until the configuration is fixed.
 */
public class VmResolverAuthenticationProvider extends AbstractAuthenticationProvider {

    private static final Logger logger = LoggerFactory.getLogger(VmResolverAuthenticationProvider.class);

    /** Also the data source name in Guacamole URLs ({@code …/#/client/<id>?…}). */
    public static final String IDENTIFIER = "heps-vm-resolver";

    /** Null when the resolver could not start; then {@link #startupFailure} says why. */
    private final Injector injector;
    private final String startupFailure;

    /** Used by Guacamole: configuration from GUACAMOLE_HOME (and the environment), OpenStack per that configuration. */
    public VmResolverAuthenticationProvider() {
        Injector started = null;
        String failure = null;
        try {
            Environment environment = LocalEnvironment.getInstance();
            started = start(environment, CloudProviderFactory.openStack(new ConfigurationService(environment)));
        } catch (GuacamoleException | RuntimeException e) {
            failure = e.getMessage();
            logger.error("The HEPS desktop resolver could not start, so every sign-in is refused until this is "
                    + "fixed: {}", failure);
            logger.debug("Cause of the resolver's failure to start.", e);
        }
        this.injector = started;
        this.startupFailure = failure;
    }

    /** A resolver over the given configuration and cloud (tests, benchmarks, embedding). */
    public VmResolverAuthenticationProvider(Environment environment, CloudProvider cloud) throws GuacamoleException {
        this.injector = start(environment, cloud);
        this.startupFailure = null;
    }

    private Injector start(Environment environment, CloudProvider cloud) throws GuacamoleException {
        Injector created = Guice.createInjector(new VmResolverModule(this, environment, cloud, Clock.systemUTC()));
        created.getInstance(DesktopIndexService.class).start();
        return created;
    }

    @Override
    public String getIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public UserContext getUserContext(AuthenticatedUser authenticatedUser) throws GuacamoleException {
        return started().getInstance(DesktopUserContextService.class).getUserContext(authenticatedUser);
    }

    /** Re-reads the user's desktops, so a VM created since login shows up after re-authentication. */
    @Override
    public UserContext updateUserContext(UserContext context, AuthenticatedUser authenticatedUser,
            Credentials credentials) throws GuacamoleException {
        return getUserContext(authenticatedUser);
    }

    private Injector started() throws GuacamoleException {
        if (injector == null) {
            logger.error("Refused a sign-in: the HEPS desktop resolver did not start ({})", startupFailure);
            throw new TranslatableGuacamoleServerException("The desktop resolver did not start: " + startupFailure,
                    new TranslatableMessage("HEPS_VM_RESOLVER.ERROR_NOT_STARTED"));
        }
        return injector;
    }

    @Override
    public void shutdown() {
        if (injector != null) {
            injector.getInstance(DesktopIndexService.class).close();
        }
    }
}
