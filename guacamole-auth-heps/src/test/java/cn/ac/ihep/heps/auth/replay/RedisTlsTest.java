package cn.ac.ihep.heps.auth.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cn.ac.ihep.heps.testsupport.tls.TestCertificateAuthority;
import com.unboundid.util.ssl.PEMFileTrustManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rediss:// against a TLS server on loopback whose certificate comes from a test CA the store
 * trusts: the handshake completes only when the certificate names the host of the URI. (The
 * server speaks no Redis; what is checked is whether the client completes the handshake.)
 */
class RedisTlsTest {

    @TempDir
    static Path dir;
    private static TestCertificateAuthority ca;

    @BeforeAll
    static void makeCertificateAuthority() {
        ca = TestCertificateAuthority.create(dir);
    }

    /** "handshake completed" or the server-side failure, for one client attempt. */
    private static String handshakeSeenByServer(Path keyStore, String host) throws Exception {
        SSLContext server = TestCertificateAuthority.serverContext(keyStore);
        try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 8, InetAddress.getByName("127.0.0.1"))) {
            CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket socket = (SSLSocket) listener.accept()) {
                    socket.setSoTimeout(3000);
                    socket.startHandshake();
                    return "handshake completed";
                } catch (IOException e) {
                    return "handshake failed";
                }
            });
            SSLContext client = SSLContext.getInstance("TLS");
            client.init(null, new TrustManager[] {new PEMFileTrustManager(ca.certificatePem().toFile())}, null);
            SSLSocketFactory trusting = client.getSocketFactory();
            try (RedisReplayStore store = new RedisReplayStore(
                    URI.create("rediss://" + host + ":" + listener.getLocalPort()), "t:", Duration.ofSeconds(1),
                    Clock.systemUTC(), trusting)) {
                assertThrows(ReplayStoreUnavailableException.class,
                        () -> store.firstUse("jti-1", Instant.now().plusSeconds(60)));
            }
            return seen.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theCertificateMustNameTheHost() throws Exception {
        Path right = ca.issueServer("right", "localhost", "dns:localhost", "ip:127.0.0.1");
        assertEquals("handshake completed", handshakeSeenByServer(right, "localhost"));
        Path other = ca.issueServer("other", "redis.elsewhere.example", "dns:redis.elsewhere.example");
        assertEquals("handshake failed", handshakeSeenByServer(other, "localhost"));
        assertEquals("handshake failed", handshakeSeenByServer(other, "127.0.0.1"));
    }
}
