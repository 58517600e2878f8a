package cn.ac.ihep.heps.testsupport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CuttableHttpProxyTest {

    private HttpServer upstream;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void startUpstream() throws Exception {
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        upstream.createContext("/", exchange -> {
            byte[] request = exchange.getRequestBody().readAllBytes();
            String body = "{\"method\":\"" + exchange.getRequestMethod() + "\",\"path\":\""
                    + exchange.getRequestURI() + "\",\"token\":\"" + exchange.getRequestHeaders().getFirst("X-Auth-Token")
                    + "\",\"echo\":\"" + new String(request, StandardCharsets.UTF_8)
                    + "\",\"endpoint\":\"http://127.0.0.1:8774/v2.1\"}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("X-Subject-Token", "abc");
            exchange.sendResponseHeaders(201, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        upstream.start();
    }

    @AfterEach
    void stopUpstream() {
        upstream.stop(0);
    }

    @Test
    void forwardsRewritesAndCanBeCutAndRestored() throws Exception {
        URI target = URI.create("http://127.0.0.1:" + upstream.getAddress().getPort());
        try (CuttableHttpProxy proxy = CuttableHttpProxy.start(target).rewrite("http://127.0.0.1:8774", "http://proxy")) {
            HttpRequest request = HttpRequest.newBuilder(proxy.uri().resolve("/v3/auth/tokens?nocatalog=0"))
                    .header("X-Auth-Token", "t1")
                    .POST(HttpRequest.BodyPublishers.ofString("hello")).build();
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(201, response.statusCode());
            assertEquals("abc", response.headers().firstValue("X-Subject-Token").orElse(null));
            assertEquals("{\"method\":\"POST\",\"path\":\"/v3/auth/tokens?nocatalog=0\",\"token\":\"t1\","
                    + "\"echo\":\"hello\",\"endpoint\":\"http://proxy/v2.1\"}", response.body());

            proxy.cut();
            assertEquals(503, client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
            proxy.restore();
            assertEquals(201, client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(2, proxy.forwardedRequests());
            assertEquals(1, proxy.refusedRequests());
        }
    }
}
