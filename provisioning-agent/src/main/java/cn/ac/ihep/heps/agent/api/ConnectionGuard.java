package cn.ac.ihep.heps.agent.api;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one client from holding the API: at most {@code maxPerAddress} open connections per
 * client address, and deadlines Jetty does not have by itself. A connection must deliver a
 * request's headers within the request timeout of opening (or within the idle timeout of
 * its previous answer, on a kept-alive connection), and the request's body within the
 * request timeout of its headers; otherwise it is closed. Time spent answering is not
 * limited here.
 */
final class ConnectionGuard implements Connection.Listener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
    private static final long NO_DEADLINE = Long.MAX_VALUE;

    private final long requestTimeoutNanos;
    private final long idleTimeoutNanos;
    private final int maxPerAddress;
    private final Map<Connection, Watch> watched = new ConcurrentHashMap<>();
    private final Map<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper;

    /** One connection: its client address and the moment by which it must have sent what it owes. */
    private static final class Watch {
        final InetAddress client;
        volatile long deadline;
        volatile String owes;

        Watch(InetAddress client, long deadline) {
            this.client = client;
            this.deadline = deadline;
            this.owes = "request headers";
        }
    }

    ConnectionGuard(ApiServer.Limits limits) {
        this.requestTimeoutNanos = limits.requestTimeout().toNanos();
        this.idleTimeoutNanos = limits.idleTimeout().toNanos();
        this.maxPerAddress = limits.maxConnectionsPerAddress();
        this.sweeper = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "heps-api-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(20, Math.min(500, limits.requestTimeout().toMillis() / 10));
        sweeper.scheduleAtFixedRate(this::closeOverdue, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onOpened(Connection connection) {
        // With TLS, the TLS connection and the HTTP connection inside it both open; count the HTTP one.
        if (connection instanceof SslConnection) {
            return;
        }
        InetAddress client = clientOf(connection.getEndPoint().getRemoteSocketAddress());
        Watch watch = new Watch(client, System.nanoTime() + requestTimeoutNanos);
        watched.put(connection, watch);
        int open = perAddress.computeIfAbsent(client, c -> new AtomicInteger()).incrementAndGet();
        if (open > maxPerAddress) {
            LOG.debug("Closing a connection from {}: it already has {} open", client, maxPerAddress);
            connection.getEndPoint().close();
        }
    }

    @Override
    public void onClosed(Connection connection) {
        Watch watch = watched.remove(connection);
        if (watch != null) {
            perAddress.computeIfPresent(watch.client, (c, count) -> count.decrementAndGet() <= 0 ? null : count);
        }
    }

    /** The request's headers arrived: now its body is owed. */
    void headersArrived(Connection connection) {
        expect(connection, "the request body", System.nanoTime() + requestTimeoutNanos);
    }

    /** The whole request arrived: answering it takes what it takes. */
    void requestRead(Connection connection) {
        expect(connection, null, NO_DEADLINE);
    }

    /** The answer went out: the next request on a kept-alive connection is owed within the idle timeout. */
    void answered(Connection connection) {
        expect(connection, "request headers", System.nanoTime() + idleTimeoutNanos);
    }

    private void expect(Connection connection, String owes, long deadline) {
        Watch watch = watched.get(connection);
        if (watch != null) {
            watch.owes = owes;
            watch.deadline = deadline;
        }
    }

    private void closeOverdue() {
        long now = System.nanoTime();
        watched.forEach((connection, watch) -> {
            long deadline = watch.deadline;
            if (deadline != NO_DEADLINE && now - deadline > 0) {
                LOG.debug("Closing a connection from {}: {} did not arrive in time", watch.client, watch.owes);
                watch.deadline = NO_DEADLINE;
                connection.getEndPoint().close();
            }
        });
    }

    private static InetAddress clientOf(SocketAddress address) {
        return address instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress() : InetAddress.getLoopbackAddress();
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }
}
