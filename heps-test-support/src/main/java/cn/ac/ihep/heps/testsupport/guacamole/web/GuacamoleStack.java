package cn.ac.ihep.heps.testsupport.guacamole.web;

import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelClient;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelOptions;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * The machine's real Guacamole 1.6.0 web application and guacd ({@code dev/guacamole/up}), at
 * {@code HEPS_GUACAMOLE_URL} (default {@value #DEFAULT_URL}). It is usable when
 * {@code GET api/languages} answers. Tests that need it are skipped, with one line saying what
 * is missing, when it does not; tools that need it fail with that line.
 */
public final class GuacamoleStack {

    public static final String URL_VARIABLE = "HEPS_GUACAMOLE_URL";
    public static final String DEFAULT_URL = "http://127.0.0.1:8080/guacamole/";

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private final URI base;
    private final GuacamoleWebClient web;

    private GuacamoleStack(URI base) {
        this.base = base;
        this.web = new GuacamoleWebClient(base);
    }

    /** The running stack; skips the calling test (JUnit assumption) when it does not answer. */
    public static GuacamoleStack find() {
        URI base = baseUri(System.getenv());
        Optional<GuacamoleStack> stack = probe(base);
        Assumptions.assumeTrue(stack.isPresent(), () -> missing(base));
        return stack.get();
    }

    /** The running stack; an {@link IllegalStateException} with what is missing when it does not answer. */
    public static GuacamoleStack require() {
        URI base = baseUri(System.getenv());
        return probe(base).orElseThrow(() -> new IllegalStateException(missing(base)));
    }

    /** The stack at this address, if it answers. */
    public static Optional<GuacamoleStack> probe(URI base) {
        GuacamoleStack stack = new GuacamoleStack(base);
        return stack.web.answers(PROBE_TIMEOUT) ? Optional.of(stack) : Optional.empty();
    }

    static URI baseUri(Map<String, String> env) {
        String url = env.getOrDefault(URL_VARIABLE, "");
        if (url.isBlank()) {
            url = DEFAULT_URL;
        }
        return URI.create(url.endsWith("/") ? url : url + "/");
    }

    static String missing(URI base) {
        return "the real Guacamole 1.6.0 stack is not running at " + base
                + " (dev/guacamole/up; needs GUACD_HOME and GUACAMOLE_WAR, see README 'Guacamole and guacd')";
    }

    public URI base() {
        return base;
    }

    public GuacamoleWebClient web() {
        return web;
    }

    public TunnelClient tunnel() {
        return tunnel(TunnelOptions.defaults());
    }

    public TunnelClient tunnel(TunnelOptions options) {
        return new TunnelClient(base, options);
    }

    /** The URL a portal sends the browser to (CONTRACTS §1). */
    public URI portalUrl(String portalToken) {
        return URI.create(base + "?" + GuacamoleWebClient.PORTAL_TOKEN_PARAMETER + "="
                + URLEncoder.encode(portalToken, StandardCharsets.UTF_8));
    }
}
