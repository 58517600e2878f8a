package cn.ac.ihep.heps.testsupport.openstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The guests' package proxy: what a builder guest's apt gets through it (Debian's archives) and
 * what it does not (anything else), so that the proxy gives guests packages and no way out.
 */
class PackageProxyIT {

    private final HttpClient viaProxy = HttpClient.newBuilder()
            .proxy(ProxySelector.of(new InetSocketAddress(OpenStackTestBed.VM_GATEWAY,
                    URI.create(OpenStackTestBed.PACKAGE_PROXY).getPort())))
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void debiansArchivesPassAndOtherAddressesAreRefused() throws Exception {
        OpenStackTestBed.find();
        HttpResponse<String> release = get("http://deb.debian.org/debian/dists/bookworm/Release");
        assertEquals(200, release.statusCode(), release.body());
        assertTrue(release.body().startsWith("Origin: Debian"), () -> release.body().lines().findFirst().orElse(""));
        HttpResponse<String> security = get("http://deb.debian.org/debian-security/dists/bookworm-security/Release");
        assertEquals(200, security.statusCode());

        for (String elsewhere : new String[] {"http://example.com/", "http://127.0.0.1:5000/v3",
                "http://deb.debian.org/not-an-archive/file"}) {
            HttpResponse<String> refused = get(elsewhere);
            assertEquals(403, refused.statusCode(), () -> elsewhere + " through the proxy: " + refused.statusCode());
        }
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return viaProxy.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
