package cn.ac.ihep.heps.guacamole.resolver;

import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.guacamole.resolver.activity.ActivityReporter;
import cn.ac.ihep.heps.guacamole.resolver.signin.RdpSingleSignOn;
import cn.ac.ihep.heps.guacamole.resolver.activity.IdleDisconnector;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopIndexService;
import cn.ac.ihep.heps.guacamole.resolver.recording.RecordingRetention;
import cn.ac.ihep.heps.guacamole.resolver.share.ShareLinkAuthenticator;
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
 * connections. It authenticates no one itself but the holders of share links, who join a
 * session its owner shared from Guacamole's menu.
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
            started = start(environment, CloudProviderFactory.openStack(new ConfigurationService(environment)),
                    Clock.systemUTC());
        } catch (GuacamoleException | RuntimeException e) {
            failure = reason(e);
            logger.error("The HEPS desktop resolver could not start, so every sign-in is refused until this is "
                    + "fixed: {}", failure);
            logger.debug("Cause of the resolver's failure to start.", e);
        }
        this.injector = started;
        this.startupFailure = failure;
    }

    /** A resolver over the given configuration and cloud (tests, benchmarks, embedding). */
    public VmResolverAuthenticationProvider(Environment environment, CloudProvider cloud) throws GuacamoleException {
        this(environment, cloud, Clock.systemUTC());
    }

    /** The same, on a given clock (tests of idle sessions). */
    public VmResolverAuthenticationProvider(Environment environment, CloudProvider cloud, Clock clock)
            throws GuacamoleException {
        this.injector = start(environment, cloud, clock);
        this.startupFailure = null;
    }

    /** The message of what went wrong, not of Guice's wrapping of it (a service's constructor refused its configuration). */
    private static String reason(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof com.google.inject.ProvisionException || cause instanceof com.google.inject.CreationException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }

    private Injector start(Environment environment, CloudProvider cloud, Clock clock) throws GuacamoleException {
        Injector created = Guice.createInjector(new VmResolverModule(this, environment, cloud, clock));
        try {
            // Made now, so that a setting it cannot use (heps-support-groups) stops the resolver at start.
            created.getInstance(DesktopUserContextService.class);
            created.getInstance(DesktopIndexService.class).start();
            created.getInstance(ActivityReporter.class).start();
            created.getInstance(IdleDisconnector.class).start();
            created.getInstance(RecordingRetention.class).start();
            // Made now, so a single sign-on that cannot work is said at startup, not at the first connect.
            created.getInstance(RdpSingleSignOn.class);
        } catch (com.google.inject.ProvisionException e) {
            if (e.getCause() instanceof GuacamoleException cause) {
                throw cause;
            }
            throw e;
        }
        return created;
    }

    /** The resolver's services, for tests that look inside; null when it did not start. */
    Injector injector() {
        return injector;
    }

    @Override
    public String getIdentifier() {
        return IDENTIFIER;
    }

    /** Share links only ({@code heps_share}); every other sign-in is another extension's. */
    @Override
    public AuthenticatedUser authenticateUser(Credentials credentials) throws GuacamoleException {
        if (injector == null) {
            return null;
        }
        return injector.getInstance(ShareLinkAuthenticator.class).authenticate(credentials).orElse(null);
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
            injector.getInstance(RecordingRetention.class).close();
            injector.getInstance(IdleDisconnector.class).close();
            injector.getInstance(ActivityReporter.class).close();
            injector.getInstance(DesktopIndexService.class).close();
        }
    }
}
