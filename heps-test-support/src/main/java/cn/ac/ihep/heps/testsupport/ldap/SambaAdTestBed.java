package cn.ac.ihep.heps.testsupport.ldap;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.controls.SubtreeDeleteRequestControl;
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import com.unboundid.util.ssl.PEMFileTrustManager;
import com.unboundid.util.ssl.SSLUtil;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Properties;
import java.util.UUID;

/**
 * The machine's Samba Active Directory domain controller (dev/samba-ad/up): a real AD, so that
 * what matters for accounts is AD's own behaviour (unicodePwd over TLS only, userAccountControl,
 * domain-wide sAMAccountName uniqueness, the RFC 2307 attributes of AD's schema). Found through
 * {@code $HEPS_SAMBA_AD_HOME/test-bed.properties} (default {@code /var/lib/heps-samba-ad}).
 * {@link #require()} fails, never skips, when it is missing or does not answer.
 *
 * <p>Tests share the domain: each works in an OU of its own ({@link #createOrganizationalUnit})
 * with account names unique to the run, and deletes the OU afterwards.
 */
public final class SambaAdTestBed {
    private final URI url;
    private final String baseDn;
    private final String bindDn;
    private final String bindPassword;
    private final Path caFile;
    private final String upnSuffix;

    private SambaAdTestBed(Properties properties) {
        this.url = URI.create(properties.getProperty("url"));
        this.baseDn = properties.getProperty("base-dn");
        this.bindDn = properties.getProperty("bind-dn");
        this.bindPassword = properties.getProperty("bind-password");
        this.caFile = Path.of(properties.getProperty("ca-file"));
        this.upnSuffix = properties.getProperty("upn-suffix");
    }

    public static Path home() {
        String home = System.getenv("HEPS_SAMBA_AD_HOME");
        return Path.of(home == null || home.isBlank() ? "/var/lib/heps-samba-ad" : home);
    }

    /** The running test bed; throws with what to do when it is not there or does not answer. */
    public static SambaAdTestBed require() {
        return require(home());
    }

    /** The test bed whose files are in {@code home}. */
    public static SambaAdTestBed require(Path home) {
        Path file = home.resolve("test-bed.properties");
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("The Samba AD test bed is not set up (" + file + " is missing): "
                    + "run dev/samba-ad/up (as root)");
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + file + ": " + e.getMessage()
                    + " (run dev/samba-ad/up as root)", e);
        }
        SambaAdTestBed bed = new SambaAdTestBed(properties);
        try (LDAPConnection connection = bed.connect()) {
            connection.getRootDSE();
        } catch (LDAPException e) {
            throw new IllegalStateException("The Samba AD test bed at " + bed.url + " does not answer ("
                    + e.getResultCode() + ": " + e.getExceptionMessage() + "): run dev/samba-ad/up", e);
        }
        return bed;
    }

    /** {@code ldaps://127.0.0.1:636}. */
    public URI url() {
        return url;
    }

    public String host() {
        return url.getHost();
    }

    public int port() {
        return url.getPort() > 0 ? url.getPort() : 636;
    }

    public String baseDn() {
        return baseDn;
    }

    public String bindDn() {
        return bindDn;
    }

    public String bindPassword() {
        return bindPassword;
    }

    /** PEM of the test CA that signed the DC's certificate (for 127.0.0.1 and localhost). */
    public Path caFile() {
        return caFile;
    }

    public String upnSuffix() {
        return upnSuffix;
    }

    /** A bound LDAPS connection as the domain administrator, verifying the certificate. */
    public LDAPConnection connect() throws LDAPException {
        return connect(bindDn, bindPassword);
    }

    /**
     * Whether the domain accepts this DN and password (a simple bind over LDAPS, as a sign-in or
     * a computer's LDAP connection makes): false when it refuses them as invalid credentials.
     */
    public boolean accepts(String dn, String password) throws LDAPException {
        try (LDAPConnection connection = connect(dn, password)) {
            return true;
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.INVALID_CREDENTIALS) {
                return false;
            }
            throw e;
        }
    }

    /** A bound LDAPS connection as {@code dn}, verifying the certificate. */
    public LDAPConnection connect(String dn, String password) throws LDAPException {
        try {
            LDAPConnectionOptions options = new LDAPConnectionOptions();
            options.setConnectTimeoutMillis(10_000);
            options.setResponseTimeoutMillis(30_000);
            options.setSSLSocketVerifier(new HostNameSSLSocketVerifier(true));
            LDAPConnection connection = new LDAPConnection(
                    new SSLUtil(new PEMFileTrustManager(caFile.toFile())).createSSLSocketFactory(), options,
                    host(), port());
            try {
                connection.bind(dn, password);
            } catch (LDAPException e) {
                connection.close();
                throw e;
            }
            return connection;
        } catch (GeneralSecurityException e) {
            throw new LDAPException(ResultCode.LOCAL_ERROR, "Cannot use " + caFile + ": " + e.getMessage(), e);
        }
    }

    /** A plain-LDAP connection (port 389), for showing what AD refuses without TLS. */
    public LDAPConnection connectWithoutTls() throws LDAPException {
        LDAPConnection connection = new LDAPConnection(host(), 389);
        try {
            connection.bind(bindDn, bindPassword);
        } catch (LDAPException e) {
            connection.close();
            throw e;
        }
        return connection;
    }

    /** Creates {@code OU=<prefix>-<random>} under the domain and returns its DN. */
    public String createOrganizationalUnit(String prefix) throws LDAPException {
        String dn = "OU=" + prefix + "-" + UUID.randomUUID().toString().substring(0, 8) + "," + baseDn;
        try (LDAPConnection connection = connect()) {
            connection.add(new Entry(dn, new Attribute("objectClass", "top", "organizationalUnit")));
        }
        return dn;
    }

    /** Deletes the entry and everything below it (AD's tree delete control). */
    public void deleteTree(String dn) throws LDAPException {
        try (LDAPConnection connection = connect()) {
            com.unboundid.ldap.sdk.DeleteRequest delete = new com.unboundid.ldap.sdk.DeleteRequest(dn);
            delete.addControl(new SubtreeDeleteRequestControl());
            connection.delete(delete);
        }
    }
}
