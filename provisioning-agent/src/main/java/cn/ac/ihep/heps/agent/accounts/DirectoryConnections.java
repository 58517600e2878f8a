package cn.ac.ihep.heps.agent.accounts;

import cn.ac.ihep.heps.agent.config.DirectoryServer;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.util.ssl.JVMDefaultTrustManager;
import com.unboundid.util.ssl.PEMFileTrustManager;
import com.unboundid.util.ssl.SSLSocketVerifier;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.security.GeneralSecurityException;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/** Opens a bound connection to a directory with the configured timeouts and TLS trust. */
final class DirectoryConnections {
    private DirectoryConnections() {
    }

    static LDAPConnection open(DirectoryServer server, String side) {
        URI url = server.url();
        if (url.getHost() == null) {
            throw new DirectoryException(side + ": the URL " + url + " names no host", null);
        }
        boolean tls = "ldaps".equalsIgnoreCase(url.getScheme());
        int port = url.getPort() > 0 ? url.getPort() : tls ? 636 : 389;
        int millis = (int) Math.min(Integer.MAX_VALUE, server.timeout().toMillis());
        LDAPConnectionOptions options = new LDAPConnectionOptions();
        options.setConnectTimeoutMillis(millis);
        options.setResponseTimeoutMillis(millis);
        options.setAbandonOnTimeout(true);
        LDAPConnection connection;
        try {
            if (tls) {
                // The certificate must name the host of the URL: a directory that gets passwords
                // is never reached through an unverified TLS connection. The JDK checks it in the
                // handshake (LDAPS endpoint identification: an address URL needs that address in
                // the certificate). Not UnboundID's SSLUtil sockets, which lose that setting, nor
                // its HostNameSSLSocketVerifier, which let an address URL through against a
                // certificate naming another host.
                TrustManager trust = server.caFile().isPresent()
                        ? new PEMFileTrustManager(server.caFile().get().toFile())
                        : JVMDefaultTrustManager.getInstance();
                options.setSSLSocketVerifier(HANDSHAKE_ON_CONNECT);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, new TrustManager[] {trust}, null);
                connection = new LDAPConnection(new HostCheckingSocketFactory(context.getSocketFactory(), millis),
                        options, url.getHost(), port);
            } else {
                connection = new LDAPConnection(options, url.getHost(), port);
            }
        } catch (GeneralSecurityException e) {
            throw new DirectoryException(side + ": cannot set up TLS for " + url + ": " + e.getMessage()
                    + " (check the CA file setting)", e);
        } catch (LDAPException e) {
            throw new DirectoryException(side + " at " + url + " is unreachable: " + describe(e)
                    + " (retried next pass)", e);
        }
        try {
            connection.bind(server.bindDn(), server.bindPassword());
            return connection;
        } catch (LDAPException e) {
            connection.close();
            if (e.getResultCode() == ResultCode.INVALID_CREDENTIALS) {
                throw new DirectoryException(side + " at " + url + " refused the bind as " + server.bindDn()
                        + ": check the bind DN and password settings", e);
            }
            throw new DirectoryException(side + " at " + url + " did not accept the bind as " + server.bindDn()
                    + ": " + describe(e) + " (retried next pass)", e);
        }
    }

    /**
     * Completes the TLS handshake while connecting, so that a server that does not answer it, or
     * whose certificate does not name the host, is a connection failure, not a failed bind.
     */
    private static final SSLSocketVerifier HANDSHAKE_ON_CONNECT = new SSLSocketVerifier() {
        @Override
        public void verifySSLSocket(String host, int port, SSLSocket socket) throws LDAPException {
            // getSession() completes the handshake if it has not happened yet (a second
            // startHandshake() would ask a TLS 1.2 server to renegotiate) and gives an invalid
            // session when it failed.
            if (!socket.getSession().isValid()) {
                throw new LDAPException(ResultCode.CONNECT_ERROR, "TLS handshake with " + host + ":" + port
                        + " failed: no answer, or a certificate that is not trusted or does not name " + host);
            }
        }
    };

    /**
     * TLS sockets that check the server's certificate names the host they connect to, and that
     * have a read timeout from the start, so that a TLS handshake with a server that accepts the
     * connection and then says nothing ends after the timeout; the LDAP SDK's own timeouts begin
     * only after the handshake. The SDK sets its own read timeout afterwards.
     */
    private static final class HostCheckingSocketFactory extends SocketFactory {
        private final SSLSocketFactory delegate;
        private final int millis;

        HostCheckingSocketFactory(SSLSocketFactory delegate, int millis) {
            this.delegate = delegate;
            this.millis = millis;
        }

        private Socket timed(Socket socket) throws IOException {
            socket.setSoTimeout(millis);
            if (socket instanceof SSLSocket ssl) {
                SSLParameters parameters = ssl.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("LDAPS");
                ssl.setSSLParameters(parameters);
            }
            return socket;
        }

        @Override
        public Socket createSocket() throws IOException {
            return timed(delegate.createSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return timed(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return timed(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return timed(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return timed(delegate.createSocket(address, port, localAddress, localPort));
        }
    }

    /** The result code and the server's message, never the request (which may hold a password). */
    static String describe(LDAPException e) {
        String message = e.getDiagnosticMessage() != null ? e.getDiagnosticMessage() : e.getMessage();
        return e.getResultCode().getName() + (message == null || message.isBlank() ? "" : ": " + message);
    }
}
