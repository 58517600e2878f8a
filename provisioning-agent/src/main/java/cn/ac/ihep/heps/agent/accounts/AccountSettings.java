package cn.ac.ihep.heps.agent.accounts;

import cn.ac.ihep.heps.agent.config.AgentConfiguration;
import cn.ac.ihep.heps.agent.config.ConfigurationException;
import cn.ac.ihep.heps.agent.config.DirectoryServer;
import cn.ac.ihep.heps.agent.config.NumberRange;
import java.time.Duration;
import java.util.Optional;

/** The directory accounts part of the agent's configuration, checked once. */
public record AccountSettings(String agentId, Optional<DirectoryServer> ldap, Optional<DirectoryServer> ad,
        String upnSuffix, NumberRange uidRange, NumberRange gidRange, int primaryGid, String homeTemplate,
        String shell, Duration retention) {

    public AccountSettings {
        // A primary group numbered like an experiment group would give every member that group's files.
        if (gidRange.contains(primaryGid)) {
            throw new ConfigurationException("account-primary-gid " + primaryGid + " lies in account-gid-range "
                    + gidRange + ": the agent could hand that number to an experiment group");
        }
    }

    public static AccountSettings from(AgentConfiguration configuration) {
        Optional<DirectoryServer> ad = configuration.adAccounts();
        return new AccountSettings(configuration.agentId(), configuration.ldapAccounts(), ad,
                ad.isPresent() ? configuration.adUpnSuffix() : "", configuration.accountUidRange(),
                configuration.accountGidRange(), configuration.accountPrimaryGid(),
                configuration.accountHomeTemplate(), configuration.accountShell(), configuration.retention());
    }

    public boolean enabled() {
        return ldap.isPresent() || ad.isPresent();
    }

    String homeOf(String username) {
        return homeTemplate.replace("{username}", username);
    }
}
