package cn.ac.ihep.heps.agent.agent;

import cn.ac.ihep.heps.agent.config.ConfigurationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The API's TLS context from PKCS#12 files; with a client CA store, clients must present a certificate it signed. */
final class TlsContexts {
    private TlsContexts() {
    }

    static SSLContext server(Path keystore, String password, Optional<Path> clientCa) {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(keystore, password), password.toCharArray());
            TrustManagerFactory trust = null;
            if (clientCa.isPresent()) {
                trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(load(clientCa.get(), password));
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigurationException("Cannot set up the API's TLS from " + keystore + ": " + e.getMessage()
                    + " (api-tls-keystore must be PKCS#12 and api-tls-keystore-password its password)");
        }
    }

    private static KeyStore load(Path file, String password) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password.toCharArray());
        }
        return store;
    }
}
