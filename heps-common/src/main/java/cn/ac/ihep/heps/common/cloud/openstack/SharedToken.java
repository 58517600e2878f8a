package cn.ac.ihep.heps.common.cloud.openstack;

import java.time.Clock;
import java.time.Instant;
import org.openstack4j.api.OSClient;
import org.openstack4j.api.types.Facing;
import org.openstack4j.model.common.Identifier;
import org.openstack4j.model.identity.v3.Token;
import org.openstack4j.openstack.OSFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Keystone token shared by every thread, renewed a margin before it expires.
 * openstack4j keeps its session in a ThreadLocal, so threads share the token, never a client.
 */
final class SharedToken {

    private static final Logger LOG = LoggerFactory.getLogger(SharedToken.class);

    private final OpenStackSettings settings;
    private final Clock clock;
    private volatile Token token;

    SharedToken(OpenStackSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    /** A token valid for at least the renewal margin; authenticates when needed. */
    Token current() {
        Token held = token;
        if (held != null && !expiresSoon(held)) {
            return held;
        }
        synchronized (this) {
            if (token == null || expiresSoon(token)) {
                token = authenticate();
            }
            return token;
        }
    }

    /** Forgets whatever token is held, so the next call authenticates again. */
    synchronized void invalidate() {
        token = null;
    }

    /** Forgets the token, so the next call authenticates again (after Keystone refused it). */
    void invalidate(Token refused) {
        synchronized (this) {
            if (token == refused) {
                token = null;
            }
        }
    }

    private boolean expiresSoon(Token held) {
        Instant renewAt = held.getExpires().toInstant().minus(settings.tokenRenewalMargin());
        return !clock.instant().isBefore(renewAt);
    }

    private Token authenticate() {
        OpenStackCredentials credentials = settings.credentials();
        OSClient.OSClientV3 client = OpenStackErrors.call("authenticate to Keystone at " + credentials.identityV3Url(),
                () -> OSFactory.builderV3()
                        .endpoint(credentials.identityV3Url())
                        .credentials(credentials.username(), credentials.password(),
                                Identifier.byName(credentials.userDomainName()))
                        .scopeToProject(Identifier.byName(credentials.projectName()),
                                Identifier.byName(credentials.projectDomainName()))
                        .perspective(Facing.PUBLIC)
                        .withConfig(OpenStackClients.config(settings))
                        .authenticate());
        Token fresh = client.getToken();
        LOG.info("Authenticated to OpenStack as {} in project {}, token valid until {}", credentials.username(),
                credentials.projectName(), fresh.getExpires().toInstant());
        return fresh;
    }
}
