package cn.ac.ihep.heps.agent.accounts;

import cn.ac.ihep.heps.agent.config.DirectoryServer;
import cn.ac.ihep.heps.agent.secrets.SecretBox;
import cn.ac.ihep.heps.agent.secrets.SecretBox.UnreadableSecretException;
import com.unboundid.ldap.sdk.LDAPException;
import java.util.Locale;
import java.util.Optional;

/**
 * Pre-stages the AD computer account of each desktop that joins the domain, with a random
 * one-time password, never the well-known one of a "reset" account (the lower-case computer
 * name, which anyone who guesses the name could use to act as that computer). The password
 * is kept sealed with the desktop until its guest fetches it at enrollment, once.
 */
public final class ComputerAccounts {
    static final String PURPOSE = "computer-password";

    private final DirectoryServer ad;
    private final String domain;
    private final Optional<String> organizationalUnit;
    private final SecretBox box;

    public ComputerAccounts(DirectoryServer ad, String domain, Optional<String> organizationalUnit, SecretBox box) {
        this.ad = ad;
        this.domain = domain;
        this.organizationalUnit = organizationalUnit;
        this.box = box;
    }

    public String domain() {
        return domain;
    }

    /**
     * Creates (or resets) the computer account {@code computerName} with a new one-time password;
     * returns it sealed for desktop {@code desktopId}. Throws {@link DirectoryException} when AD
     * cannot be reached or refuses.
     */
    public byte[] prestage(long desktopId, String computerName) {
        String password = AdPasswords.random();
        try (ActiveDirectory directory = ActiveDirectory.connect(ad, domain)) {
            directory.prestageComputer(computerName, organizationalUnit(),
                    computerName.toLowerCase(Locale.ROOT) + "." + domain, password);
            return box.seal(PURPOSE, subject(desktopId, computerName), password);
        } catch (LDAPException e) {
            throw new DirectoryException("AD did not pre-stage the computer account " + computerName + ": "
                    + DirectoryConnections.describe(e), e);
        }
    }

    /** The join a guest fetches; empty when the sealed password does not open (another key or row). */
    public Optional<DomainJoin> join(long desktopId, String computerName, byte[] sealedPassword) {
        try {
            String password = box.open(PURPOSE, subject(desktopId, computerName), sealedPassword);
            return Optional.of(new DomainJoin(domain, computerName.toUpperCase(Locale.ROOT), password,
                    organizationalUnit()));
        } catch (UnreadableSecretException e) {
            return Optional.empty();
        }
    }

    /** {@code ad-computer-ou}, else the domain's Computers container. */
    public String organizationalUnit() {
        return organizationalUnit.orElseGet(() -> "CN=Computers," + String.join(",",
                java.util.Arrays.stream(domain.split("\\.")).map(label -> "DC=" + label).toList()));
    }

    private static String subject(long desktopId, String computerName) {
        return desktopId + ":" + computerName.toUpperCase(Locale.ROOT);
    }
}
