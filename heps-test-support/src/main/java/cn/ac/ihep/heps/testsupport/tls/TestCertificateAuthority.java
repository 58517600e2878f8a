package cn.ac.ihep.heps.testsupport.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A certificate authority for tests, made with the JDK's own {@code keytool}: a CA certificate
 * and server certificates it signs for the names a test chooses, so a test can present a TLS
 * server with a certificate for the right host, for another host, or for a name but not an address.
 */
public final class TestCertificateAuthority {
    public static final String PASSWORD = "test-store-secret";

    private final Path dir;

    private TestCertificateAuthority(Path dir) {
        this.dir = dir;
    }

    /** A new CA in {@code dir}: {@code ca.p12} (its key) and {@code ca.pem} (its certificate). */
    public static TestCertificateAuthority create(Path dir) {
        TestCertificateAuthority ca = new TestCertificateAuthority(dir);
        ca.keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=HEPS test CA", "-ext", "bc:c", "-validity", "2",
                "-keystore", "ca.p12", "-storetype", "PKCS12", "-storepass", PASSWORD);
        ca.keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-storepass", PASSWORD,
                "-file", "ca.pem");
        return ca;
    }

    /** PEM file of the CA's certificate: what a client trusts. */
    public Path certificatePem() {
        return dir.resolve("ca.pem");
    }

    /**
     * A PKCS#12 key store (password {@link #PASSWORD}) with a server key and its certificate
     * chain, issued for common name {@code commonName} and the subject alternative names given
     * in keytool's form ({@code dns:ldap.example}, {@code ip:127.0.0.1}); none for none.
     */
    public Path issueServer(String file, String commonName, String... subjectAlternativeNames) {
        String store = file + ".p12";
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=" + commonName, "-validity", "2",
                "-keystore", store, "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-certreq", "-alias", "server", "-keystore", store, "-storepass", PASSWORD, "-file", file + ".csr");
        List<String> sign = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", "ca.p12",
                "-storepass", PASSWORD, "-infile", file + ".csr", "-outfile", file + ".crt", "-validity", "2"));
        if (subjectAlternativeNames.length > 0) {
            sign.addAll(List.of("-ext", "SAN=" + String.join(",", subjectAlternativeNames)));
        }
        keytool(sign.toArray(String[]::new));
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", store,
                "-storepass", PASSWORD);
        keytool("-importcert", "-noprompt", "-alias", "server", "-file", file + ".crt", "-keystore", store,
                "-storepass", PASSWORD);
        return dir.resolve(store);
    }

    /** A server-side TLS context presenting the key store's certificate. */
    public static SSLContext serverContext(Path keyStore) {
        try (InputStream in = Files.newInputStream(keyStore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, PASSWORD.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("Cannot load " + keyStore + ": " + e.getMessage(), e);
        }
    }

    private void keytool(String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run keytool: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running keytool", e);
        }
    }
}
