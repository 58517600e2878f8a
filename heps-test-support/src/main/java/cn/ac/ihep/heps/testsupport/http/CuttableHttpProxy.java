package cn.ac.ihep.heps.testsupport.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP proxy on loopback in front of a shared service (an OpenStack API on the machine-wide
 * test bed) that a test can cut and restore, to see what its client does when the service
 * stops, without stopping it for everyone else.
 *
 * <p>While cut, every request gets {@code 503 Service Unavailable}, as from a load balancer
 * whose back end is down. Response bodies can be rewritten (a Keystone catalog pointing
 * clients at other proxies instead of the real endpoints).
 */
public final class CuttableHttpProxy implements AutoCloseable {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "host", "expect",
            "upgrade", "keep-alive", "transfer-encoding", "te", "trailer", "proxy-connection");

    private final URI upstream;
    private final HttpServer server;
    private final HttpClient client;
    private final Map<String, String> rewrites = new ConcurrentHashMap<>();
    private final AtomicInteger forwarded = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile boolean cut;

    private CuttableHttpProxy(URI upstream, HttpServer server) {
        this.upstream = upstream;
        this.server = server;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** Starts a proxy on an ephemeral loopback port forwarding to {@code upstream} (scheme, host and port). */
    public static CuttableHttpProxy start(URI upstream) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        CuttableHttpProxy proxy = new CuttableHttpProxy(upstream, server);
        server.createContext("/", proxy::handle);
        server.setExecutor(Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "cuttable-proxy-" + upstream.getPort());
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
        return proxy;
    }

    /** The proxy's base URI, e.g. {@code http://127.0.0.1:41234}. */
    public URI uri() {
        return URI.create("http://" + server.getAddress().getAddress().getHostAddress() + ":"
                + server.getAddress().getPort());
    }

    /** Replaces {@code from} by {@code to} in every response body passing through. */
    public CuttableHttpProxy rewrite(String from, String to) {
        rewrites.put(from, to);
        return this;
    }

    public void cut() {
        cut = true;
    }

    public void restore() {
        cut = false;
    }

    public int forwardedRequests() {
        return forwarded.get();
    }

    public int refusedRequests() {
        return refused.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (cut) {
                refused.incrementAndGet();
                byte[] body = "{\"error\": \"upstream cut by the test\"}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(503, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
                return;
            }
            forward(exchange);
        }
    }

    private void forward(HttpExchange exchange) throws IOException {
        byte[] requestBody;
        try (InputStream in = exchange.getRequestBody()) {
            requestBody = in.readAllBytes();
        }
        URI target = upstream.resolve(exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery()));
        HttpRequest.Builder request = HttpRequest.newBuilder(target)
                .timeout(Duration.ofSeconds(60))
                .method(exchange.getRequestMethod(), requestBody.length == 0
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(requestBody));
        for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
            if (!HOP_BY_HOP.contains(header.getKey().toLowerCase(java.util.Locale.ROOT))) {
                for (String value : header.getValue()) {
                    request.header(header.getKey(), value);
                }
            }
        }
        HttpResponse<byte[]> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while forwarding", e);
        } catch (IOException e) {
            exchange.sendResponseHeaders(502, -1);
            return;
        }
        forwarded.incrementAndGet();
        byte[] body = response.body();
        if (!rewrites.isEmpty() && body.length > 0) {
            String text = new String(body, StandardCharsets.UTF_8);
            for (Map.Entry<String, String> rewrite : rewrites.entrySet()) {
                text = text.replace(rewrite.getKey(), rewrite.getValue());
            }
            body = text.getBytes(StandardCharsets.UTF_8);
        }
        Headers headers = exchange.getResponseHeaders();
        response.headers().map().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT)) && !name.startsWith(":")) {
                headers.put(name, values);
            }
        });
        boolean noBody = body.length == 0 || "HEAD".equals(exchange.getRequestMethod())
                || response.statusCode() == 204 || response.statusCode() == 304;
        exchange.sendResponseHeaders(response.statusCode(), noBody ? -1 : body.length);
        if (!noBody) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
