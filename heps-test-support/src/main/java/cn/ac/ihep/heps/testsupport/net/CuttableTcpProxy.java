package cn.ac.ihep.heps.testsupport.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP proxy on loopback in front of a server (an LDAP directory), the byte-level sibling of
 * {@code CuttableHttpProxy}: a test can make the server hang without touching it.
 *
 * <ul>
 * <li>{@link #stall()}: connections are accepted and bytes are read, but nothing is forwarded
 *     or answered, as from a server that hangs (clients must time out).</li>
 * <li>{@link #restore()}: forwarding again, for new connections.</li>
 * </ul>
 */
public final class CuttableTcpProxy implements AutoCloseable {
    private enum Mode { FORWARD, STALL }

    private final InetSocketAddress upstream;
    private final ServerSocket listener;
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "cuttable-tcp-proxy");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile Mode mode = Mode.FORWARD;

    private CuttableTcpProxy(InetSocketAddress upstream, ServerSocket listener) {
        this.upstream = upstream;
        this.listener = listener;
    }

    /** Starts a proxy on an ephemeral loopback port forwarding to host:port. */
    public static CuttableTcpProxy start(String host, int port) throws IOException {
        ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        CuttableTcpProxy proxy = new CuttableTcpProxy(new InetSocketAddress(host, port), listener);
        proxy.threads.submit(proxy::acceptLoop);
        return proxy;
    }

    public int port() {
        return listener.getLocalPort();
    }

    public String host() {
        return listener.getInetAddress().getHostAddress();
    }

    public void stall() {
        mode = Mode.STALL;
    }

    public void restore() {
        mode = Mode.FORWARD;
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            open.add(client);
            if (mode == Mode.STALL) {
                threads.submit(() -> swallow(client));
                continue;
            }
            threads.submit(() -> forward(client));
        }
    }

    /** Reads and drops what the client sends until it gives up. */
    private void swallow(Socket client) {
        try (InputStream in = client.getInputStream()) {
            byte[] buffer = new byte[8192];
            while (in.read(buffer) >= 0) {
                // Nothing is answered.
            }
        } catch (IOException e) {
            // The client went away.
        } finally {
            open.remove(client);
            closeQuietly(client);
        }
    }

    private void forward(Socket client) {
        Socket server = new Socket();
        try {
            server.connect(upstream, 5_000);
        } catch (IOException e) {
            open.remove(client);
            closeQuietly(client);
            closeQuietly(server);
            return;
        }
        open.add(server);
        threads.submit(() -> pump(server, client));
        pump(client, server);
    }

    private void pump(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            byte[] buffer = new byte[8192];
            int read;
            while ((read = in.read(buffer)) >= 0) {
                if (mode == Mode.STALL) {
                    continue; // A server that hangs mid-conversation: the bytes go nowhere.
                }
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException e) {
            // One side closed.
        } finally {
            open.remove(from);
            open.remove(to);
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void closeOpen() {
        for (Socket socket : open) {
            closeQuietly(socket);
        }
        open.clear();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Closing anyway.
        }
    }

    @Override
    public void close() {
        closeQuietly(listener);
        closeOpen();
        threads.shutdownNow();
    }

    private static void closeQuietly(ServerSocket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Closing anyway.
        }
    }
}
