package cn.ac.ihep.heps.guacamole.resolver.activity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agent's activity route played by a real HTTP server on loopback: it records each report
 * and its Authorization header and answers with the limits it is given, or stalls (reads the
 * request, never answers) until told to answer again, or closes the connection of the next
 * request without an answer, as a server does with a keep-alive connection it just found idle.
 */
public final class AgentStandIn implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Received(String authorization, JsonNode report) {
    }

    private final HttpServer server;
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private volatile String answer = "{\"limits\": []}";
    private volatile CountDownLatch stall = new CountDownLatch(0);
    private final AtomicInteger dropsLeft = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();

    public AgentStandIn() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/v1/desktop-activity", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (dropsLeft.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                dropped.incrementAndGet();
                // The server closes the connection of a handler that fails, before any answer.
                throw new IOException("connection closed by the stand-in");
            }
            try {
                stall.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            received.add(new Received(exchange.getRequestHeaders().getFirst("Authorization"), JSON.readTree(body)));
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.setExecutor(Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "agent-stand-in");
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void answer(String json) {
        this.answer = json;
    }

    /** From now on requests are read but not answered, until {@link #resume}. */
    public void stall() {
        stall = new CountDownLatch(1);
    }

    public void resume() {
        stall.countDown();
    }

    /** The next request is read, then its connection is closed without an answer. */
    public void dropNext() {
        dropsLeft.incrementAndGet();
    }

    /** How many requests were dropped so far. */
    public int dropped() {
        return dropped.get();
    }

    /** The next report received, waiting up to {@code timeout}; fails when none comes. */
    public Received next(Duration timeout) throws InterruptedException {
        Received report = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (report == null) {
            throw new AssertionError("no activity report within " + timeout);
        }
        return report;
    }

    /** The next report that carries any event, skipping the periodic ones without. */
    public Received nextWithEvents(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Received report = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (report.report().path("events").size() > 0) {
                return report;
            }
        }
    }

    public void drain() {
        received.clear();
    }

    @Override
    public void close() {
        stall.countDown();
        server.stop(0);
    }
}
