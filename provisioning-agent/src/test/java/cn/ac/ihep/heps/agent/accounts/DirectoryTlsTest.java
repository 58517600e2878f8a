package cn.ac.ihep.heps.agent.accounts;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.config.DirectoryServer;
import cn.ac.ihep.heps.testsupport.ldap.DirectoryFixture;
import cn.ac.ihep.heps.testsupport.tls.TestCertificateAuthority;
import com.unboundid.ldap.sdk.LDAPConnection;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent binds with a password that may write every account: over LDAPS, against a real
 * LDAP server with certificates from a test CA it trusts, the certificate must name the URL's
 * host (an address URL, that address), or the agent does not connect.
 */
class DirectoryTlsTest {

    @TempDir
    static Path dir;
    private static TestCertificateAuthority ca;

    @BeforeAll
    static void makeCertificateAuthority() {
        ca = TestCertificateAuthority.create(dir);
    }

    private static void bind(Path keyStore, String host) throws Exception {
        try (DirectoryFixture ldap = DirectoryFixture.posixAccountsOverTls(
                TestCertificateAuthority.serverContext(keyStore))) {
            DirectoryServer server = new DirectoryServer(URI.create("ldaps://" + host + ":" + ldap.port()),
                    ldap.bindDn(), ldap.bindPassword(), ldap.userBaseDn(), ldap.groupBaseDn(),
                    Optional.of(ca.certificatePem()), Duration.ofSeconds(2));
            try (LDAPConnection connection = DirectoryConnections.open(server, "LDAP")) {
                assertTrue(connection.isConnected());
            }
        }
    }

    @Test
    void aCertificateForTheHostIsAccepted() throws Exception {
        Path right = ca.issueServer("right", "localhost", "dns:localhost", "ip:127.0.0.1");
        bind(right, "localhost");
        bind(right, "127.0.0.1");
    }

    @Test
    void aCertificateForAnotherHostIsRefused() {
        Path other = ca.issueServer("other", "ldap.elsewhere.example", "dns:ldap.elsewhere.example");
        assertThrows(DirectoryException.class, () -> bind(other, "localhost"));
        assertThrows(DirectoryException.class, () -> bind(other, "127.0.0.1"));
    }

    @Test
    void anIpAddressUrlNeedsThatAddressInTheCertificate() {
        Path nameOnly = ca.issueServer("name-only", "localhost", "dns:localhost");
        assertThrows(DirectoryException.class, () -> bind(nameOnly, "127.0.0.1"));
        Path addressInCommonNameOnly = ca.issueServer("cn-address", "127.0.0.1");
        assertThrows(DirectoryException.class, () -> bind(addressInCommonNameOnly, "127.0.0.1"));
    }
}
