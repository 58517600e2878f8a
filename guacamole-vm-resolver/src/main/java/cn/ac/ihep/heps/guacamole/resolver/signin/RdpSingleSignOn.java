package cn.ac.ihep.heps.guacamole.resolver.signin;

import cn.ac.ihep.heps.common.desktop.DesktopTags;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import cn.ac.ihep.heps.guacamole.resolver.index.Desktop;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopPrincipal;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.util.Optional;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.properties.CaseSensitivity;
import org.apache.guacamole.protocol.GuacamoleConfiguration;

/**
 * Signs the owner of an RDP desktop in with their AD sign-in from the agent: sets the RDP
 * {@code username}, {@code domain}, {@code password} and {@code security} of that one
 * connection's configuration. Only for the desktop's owner ({@code heps-owner:} tag): a user
 * who may use the desktop through a group or as an extra user connects with Guacamole's prompt,
 * and a share link joins the owner's session without any credentials. The agent checks the
 * ownership again against its own record.
 */
@Singleton
public class RdpSingleSignOn {

    private final AgentSignIn agent;
    private final CaseSensitivity caseSensitivity;
    private final String security;

    @Inject
    public RdpSingleSignOn(AgentSignIn agent, ConfigurationService configuration) throws GuacamoleException {
        this.agent = agent;
        this.caseSensitivity = configuration.getCaseSensitivity();
        this.security = configuration.getRdpSsoSecurity();
    }

    /** Adds the owner's sign-in to an RDP configuration; leaves anything else as it is. */
    public void apply(GuacamoleConfiguration config, Desktop desktop, DesktopPrincipal principal) {
        if (!agent.enabled() || !"rdp".equals(config.getProtocol())) {
            return;
        }
        Optional<String> owner = owner(desktop, principal);
        if (owner.isEmpty()) {
            return;
        }
        agent.fetch(desktop.id(), owner.get()).ifPresent(signIn -> {
            config.setParameter("username", signIn.username());
            config.setParameter("password", signIn.password());
            if (!signIn.domain().isEmpty()) {
                config.setParameter("domain", signIn.domain());
            }
            config.setParameter("security", security);
        });
    }

    /** The desktop's owner as its tag spells it, when that is the principal; empty otherwise. */
    Optional<String> owner(Desktop desktop, DesktopPrincipal principal) {
        String me = caseSensitivity.canonicalizeUsername(principal.username());
        Optional<String> found = Optional.empty();
        for (String tag : desktop.accessTags()) {
            Optional<String> owner = DesktopTags.ownerOf(tag);
            if (owner.isPresent()) {
                if (found.isPresent()) {
                    return Optional.empty(); // Two owner tags: the contract says one; nobody is signed in.
                }
                found = owner;
            }
        }
        return found.filter(owner -> caseSensitivity.canonicalizeUsername(owner).equals(me));
    }
}
