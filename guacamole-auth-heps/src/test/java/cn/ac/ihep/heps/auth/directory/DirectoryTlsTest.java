package cn.ac.ihep.heps.auth.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cn.ac.ihep.heps.auth.conf.DirectoryType;
import cn.ac.ihep.heps.testsupport.ldap.DirectoryFixture;
import cn.ac.ihep.heps.testsupport.tls.TestCertificateAuthority;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LDAPS against a real LDAP server (UnboundID's in-memory directory) presenting certificates
 * from a test CA the extension trusts: the certificate must name the host of the URL, not
 * merely chain to the CA, or the bind password would go to whichever server answers.
 */
class DirectoryTlsTest {

    @TempDir
    static Path dir;
    private static TestCertificateAuthority ca;

    @BeforeAll
    static void makeCertificateAuthority() {
        ca = TestCertificateAuthority.create(dir);
    }

    private static DirectoryUser lookUpAlice(Path keyStore, String host) throws Exception {
        try (DirectoryFixture ldap = DirectoryFixture.posixOverTls(TestCertificateAuthority.serverContext(keyStore));
                DirectoryService directory = new DirectoryService(List.of("ldaps://" + host + ":" + ldap.port()),
                        Optional.of(ldap.bindDn()), Optional.of(ldap.bindPassword()), ldap.userBaseDn(), "uid",
                        ldap.groupBaseDn(), DirectoryType.LDAP, 2, Duration.ofSeconds(2),
                        Optional.of(ca.certificatePem()))) {
            return directory.lookup("alice");
        }
    }

    @Test
    void aCertificateForTheHostIsAccepted() throws Exception {
        Path right = ca.issueServer("right", "localhost", "dns:localhost", "ip:127.0.0.1");
        assertEquals("alice", lookUpAlice(right, "localhost").username());
        assertEquals("alice", lookUpAlice(right, "127.0.0.1").username());
    }

    @Test
    void aCertificateForAnotherHostIsRefused() {
        Path other = ca.issueServer("other", "ldap.elsewhere.example", "dns:ldap.elsewhere.example");
        assertThrows(DirectoryUnavailableException.class, () -> lookUpAlice(other, "localhost"));
        assertThrows(DirectoryUnavailableException.class, () -> lookUpAlice(other, "127.0.0.1"));
    }

    @Test
    void anIpAddressUrlNeedsThatAddressInTheCertificate() {
        Path nameOnly = ca.issueServer("name-only", "localhost", "dns:localhost");
        assertThrows(DirectoryUnavailableException.class, () -> lookUpAlice(nameOnly, "127.0.0.1"));
        Path otherAddress = ca.issueServer("other-address", "localhost", "ip:127.0.0.2");
        assertThrows(DirectoryUnavailableException.class, () -> lookUpAlice(otherAddress, "127.0.0.1"));
        Path addressInCommonNameOnly = ca.issueServer("cn-address", "127.0.0.1");
        assertThrows(DirectoryUnavailableException.class, () -> lookUpAlice(addressInCommonNameOnly, "127.0.0.1"));
    }
}
