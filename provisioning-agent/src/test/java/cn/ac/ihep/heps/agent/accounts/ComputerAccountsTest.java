package cn.ac.ihep.heps.agent.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.config.DirectoryServer;
import cn.ac.ihep.heps.agent.secrets.SecretBox;
import cn.ac.ihep.heps.agent.secrets.SiteKey;
import cn.ac.ihep.heps.testsupport.ldap.SambaAdTestBed;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pre-staged computer accounts in the Samba AD test bed: a random one-time password, never the
 * well-known password of a "reset" account (the lower-case name).
 */
class ComputerAccountsTest {
    @TempDir
    Path dir;

    private SambaAdTestBed ad;
    private String ou;
    private ComputerAccounts computers;
    private final String name = ("HEPS-" + UUID.randomUUID().toString().substring(0, 8)).toUpperCase(Locale.ROOT);

    @BeforeEach
    void setUp() throws Exception {
        ad = SambaAdTestBed.require();
        ou = ad.createOrganizationalUnit("heps-computers-test");
        computers = new ComputerAccounts(new DirectoryServer(ad.url(), ad.bindDn(), ad.bindPassword(), ou, ou,
                Optional.of(ad.caFile()), Duration.ofSeconds(5)), "heps.test", Optional.of(ou),
                new SecretBox(SiteKey.loadOrCreate(dir.resolve("key"))));
    }

    @AfterEach
    void tearDown() throws Exception {
        ad.deleteTree(ou);
    }

    private SearchResultEntry computer() throws Exception {
        try (LDAPConnection connection = ad.connect()) {
            return connection.searchForEntry(ou, SearchScope.SUB, "(sAMAccountName=" + name + "$)", "*");
        }
    }

    @Test
    void aDesktopsComputerAccountGetsARandomOneTimePasswordNeverItsName() throws Exception {
        byte[] sealed = computers.prestage(7, name);
        SearchResultEntry entry = computer();
        assertEquals("CN=" + name + "," + ou, entry.getDN());
        assertEquals("4096", entry.getAttributeValue("userAccountControl"), "an enabled workstation");
        assertEquals(name.toLowerCase(Locale.ROOT) + ".heps.test", entry.getAttributeValue("dNSHostName"));
        DomainJoin join = computers.join(7, name, sealed).orElseThrow();
        assertEquals(new DomainJoin("heps.test", name, join.password(), ou), join);
        assertEquals(40, join.password().length());
        assertTrue(ad.accepts(entry.getDN(), join.password()), "the guest can use the one-time password");
        assertFalse(ad.accepts(entry.getDN(), name.toLowerCase(Locale.ROOT)), "the reset password is not set");
        assertFalse(join.toString().contains(join.password()));
        assertEquals(Optional.empty(), computers.join(8, name, sealed), "sealed for its own desktop only");
    }

    @Test
    void aDesktopMadeAgainResetsItsAccountAndTheEarlierPasswordStopsWorking() throws Exception {
        String first = computers.join(7, name, computers.prestage(7, name)).orElseThrow().password();
        String second = computers.join(9, name, computers.prestage(9, name)).orElseThrow().password();
        assertNotEquals(first, second);
        String dn = computer().getDN();
        assertTrue(ad.accepts(dn, second));
        assertFalse(ad.accepts(dn, first));
    }

    @Test
    void aComputerOfTheSameNameElsewhereIsLeftAlone() throws Exception {
        String elsewhere = "OU=elsewhere," + ou;
        String otherDn = "CN=" + name + "," + elsewhere;
        try (LDAPConnection connection = ad.connect()) {
            connection.add(new Entry(elsewhere, new Attribute("objectClass", "top", "organizationalUnit")));
            connection.add(new Entry(otherDn, new Attribute("objectClass", "top", "person", "organizationalPerson",
                    "user", "computer"), new Attribute("sAMAccountName", name + "$"),
                    new Attribute("userAccountControl", "4096"),
                    new Attribute("unicodePwd", AdPasswords.quotedUtf16("Their-own-machine-password-1"))));
        }
        DirectoryException refused = assertThrows(DirectoryException.class, () -> computers.prestage(7, name));
        assertTrue(refused.getMessage().contains("leaves it alone"), refused.getMessage());
        assertTrue(ad.accepts(otherDn, "Their-own-machine-password-1"), "its password is untouched");
    }

    @Test
    void aNameAdCannotTakeIsRefusedBeforeAdIsAsked() {
        DirectoryException refused = assertThrows(DirectoryException.class,
                () -> computers.prestage(7, "HEPS-TOO-LONG-FOR-NETBIOS"));
        assertTrue(refused.getMessage().contains("at most 15"), refused.getMessage());
    }
}
