package cn.ac.ihep.heps.agent.accounts;

/**
 * What a desktop needs to join the domain once: the AD domain, the name of the computer account
 * the agent pre-staged for it, that account's one-time password and the OU it is in. The guest
 * gets it through the enrollment channel and uses the password once: Windows (an unsecured join)
 * and adcli then set a machine password of their own.
 */
public record DomainJoin(String domain, String computerName, String password, String organizationalUnit) {

    @Override
    public String toString() {
        return "DomainJoin[domain=" + domain + ", computerName=" + computerName + ", organizationalUnit="
                + organizationalUnit + "]";
    }
}
