package cn.ac.ihep.heps.agent.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cn.ac.ihep.heps.agent.api.ApiServer;
import cn.ac.ihep.heps.agent.api.BearerTokens;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API over HTTPS with client certificates required (mutual TLS), with keys made by the JDK's keytool. */
class MutualTlsTest {
    private static final String PASSWORD = "changeit";

    private static void keytool(Path dir, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), output);
    }

    private static KeyStore load(Path file) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, PASSWORD.toCharArray());
        }
        return store;
    }

    private static SSLContext client(Path trust, Path identity) throws Exception {
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(load(trust));
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        if (identity != null) {
            keyManagers.init(load(identity), PASSWORD.toCharArray());
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(identity == null ? null : keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        return context;
    }

    @Test
    void clientsWithoutACertificateAreTurnedAway(@TempDir Path dir) throws Exception {
        keytool(dir, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-ext", "SAN=ip:127.0.0.1", "-keystore", "server.p12", "-storetype", "PKCS12", "-storepass", PASSWORD,
                "-validity", "2");
        keytool(dir, "-exportcert", "-alias", "server", "-keystore", "server.p12", "-storepass", PASSWORD,
                "-file", "server.crt");
        keytool(dir, "-importcert", "-noprompt", "-alias", "server", "-file", "server.crt", "-keystore",
                "server-trust.p12", "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool(dir, "-genkeypair", "-alias", "portal", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=user-service-portal", "-keystore", "client.p12", "-storetype", "PKCS12", "-storepass", PASSWORD,
                "-validity", "2");
        keytool(dir, "-exportcert", "-alias", "portal", "-keystore", "client.p12", "-storepass", PASSWORD,
                "-file", "client.crt");
        keytool(dir, "-importcert", "-noprompt", "-alias", "portal", "-file", "client.crt", "-keystore",
                "client-ca.p12", "-storetype", "PKCS12", "-storepass", PASSWORD);

        SSLContext serverTls = TlsContexts.server(dir.resolve("server.p12"), PASSWORD, Optional.of(dir.resolve("client-ca.p12")));
        ApiServer.Services services = new ApiServer.Services(null, null, null, null, null, null, new AgentMetrics(),
                new BearerTokens(List.of("t")), false);
        try (ApiServer api = ApiServer.start(new InetSocketAddress("127.0.0.1", 0), services, serverTls, true)) {
            URI health = api.baseUri(true).resolve("/healthz");
            HttpClient withCertificate = HttpClient.newBuilder()
                    .sslContext(client(dir.resolve("server-trust.p12"), dir.resolve("client.p12"))).build();
            assertEquals(200, withCertificate.send(HttpRequest.newBuilder(health).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpClient withoutCertificate = HttpClient.newBuilder()
                    .sslContext(client(dir.resolve("server-trust.p12"), null)).build();
            assertThrows(IOException.class, () -> withoutCertificate.send(HttpRequest.newBuilder(health).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
    }
}
