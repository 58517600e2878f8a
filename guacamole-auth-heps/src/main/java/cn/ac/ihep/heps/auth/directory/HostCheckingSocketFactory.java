package cn.ac.ihep.heps.auth.directory;

import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.util.ssl.SSLSocketVerifier;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * TLS sockets whose handshake fails unless the server's certificate names the host of the
 * LDAP URL, checked by the JDK's own LDAPS endpoint identification (RFC 6125 rules: an IP
 * address in the URL must be an IP address in the certificate, a name must be a DNS name in
 * it). A certificate that merely chains to a trusted CA is not enough: otherwise any server
 * with any certificate from that CA would receive the bind password and could answer with
 * groups that grant desktops.
 *
 * <p>The sockets come from a plain JDK TLS context: UnboundID's own socket factory hands out
 * unconnected sockets that build the real TLS socket only when they connect, which loses the
 * endpoint identification set here (and its {@code HostNameSSLSocketVerifier} accepts an IP
 * address URL against a certificate that names only another host).
 */
final class HostCheckingSocketFactory extends SocketFactory {

    /**
     * Completes the TLS handshake while connecting, so that a server that does not answer it, or
     * whose certificate does not name the host, is a connection failure (and the next server in
     * {@code heps-ldap-urls} is tried), not a failed search.
     */
    static final SSLSocketVerifier HANDSHAKE_ON_CONNECT = new SSLSocketVerifier() {
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

    private final SSLSocketFactory delegate;
    private final int timeoutMillis;

    private HostCheckingSocketFactory(SSLSocketFactory delegate, int timeoutMillis) {
        this.delegate = delegate;
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * Sockets trusting {@code trust}; until the LDAP SDK sets its own, every read (the
     * handshake's too) gives up after {@code timeoutMillis}, so a server that accepts the
     * connection and then says nothing cannot hold a login.
     */
    static HostCheckingSocketFactory trusting(TrustManager trust, int timeoutMillis) throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {trust}, null);
        return new HostCheckingSocketFactory(context.getSocketFactory(), timeoutMillis);
    }

    private Socket checked(Socket socket) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        if (socket instanceof SSLSocket ssl) {
            SSLParameters parameters = ssl.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("LDAPS");
            ssl.setSSLParameters(parameters);
        }
        return socket;
    }

    @Override
    public Socket createSocket() throws IOException {
        return checked(delegate.createSocket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        // Connected already: the handshake has not started, it starts at the first read or write.
        return checked(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return checked(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return checked(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return checked(delegate.createSocket(address, port, localAddress, localPort));
    }
}
