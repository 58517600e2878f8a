package cn.ac.ihep.heps.testsupport.demo;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Assumptions;

/**
 * The state {@code dev/demo} leaves in {@code <checkout>/.local/demo} (interfaces §3): the
 * agent's settings ({@code agent.properties}), its API bearer token, the portal's signing key
 * and the VNC site secret; and the agent it started, which must answer {@code /healthz}.
 * {@code HEPS_DEMO_HOME} names another directory (the demo of another checkout).
 */
public final class DemoStack {

    public static final String HOME_VARIABLE = "HEPS_DEMO_HOME";

    private final Path home;
    private final Properties settings;
    private final String apiToken;

    private DemoStack(Path home, Properties settings, String apiToken) {
        this.home = home;
        this.settings = settings;
        this.apiToken = apiToken;
    }

    /** The running demo; skips the calling test with one line when it is missing or its agent is down. */
    public static DemoStack find() {
        Located located = locate(System.getenv(), checkout());
        Assumptions.assumeTrue(located.stack().isPresent(), located::missing);
        return located.stack().get();
    }

    /** The running demo; an {@link IllegalStateException} saying what is missing otherwise. */
    public static DemoStack require() {
        Located located = locate(System.getenv(), checkout());
        return located.stack().orElseThrow(() -> new IllegalStateException(located.missing()));
    }

    /** A demo found, or one line saying what is missing. */
    record Located(Optional<DemoStack> stack, String missing) {
    }

    static Located locate(Map<String, String> env, Path checkout) {
        String explicit = env.getOrDefault(HOME_VARIABLE, "");
        Path home = explicit.isBlank() ? checkout.resolve(".local/demo") : Path.of(explicit);
        for (String file : List.of("agent.properties", "api-token", "portal-key.pem", "vnc-site-secret")) {
            if (!Files.isReadable(home.resolve(file))) {
                return new Located(Optional.empty(), "the demo stack's state is not there: no readable " + home.resolve(file)
                        + " (run dev/demo, or set " + HOME_VARIABLE + " to the .local/demo of the checkout that ran it)");
            }
        }
        Properties settings = new Properties();
        try (Reader reader = Files.newBufferedReader(home.resolve("agent.properties"), StandardCharsets.UTF_8)) {
            settings.load(reader);
            DemoStack stack = new DemoStack(home, settings, Files.readString(home.resolve("api-token")).trim());
            if (!stack.agent().healthy()) {
                return new Located(Optional.empty(), "the demo's provisioning agent does not answer at " + stack.agentUrl()
                        + " (run dev/demo; its log is " + home.resolve("agent.log") + ")");
            }
            return new Located(Optional.of(stack), null);
        } catch (IOException e) {
            return new Located(Optional.empty(), "the demo stack's state in " + home + " cannot be read: " + e.getMessage());
        }
    }

    /**
     * The checkout: the system property {@code heps.checkout} (the e2e and bench modules set
     * it), else the nearest directory above the working directory holding {@code mvnw} and {@code dev/}.
     */
    public static Path checkout() {
        String property = System.getProperty("heps.checkout", "");
        if (!property.isBlank()) {
            return Path.of(property).toAbsolutePath().normalize();
        }
        Path dir = Path.of("").toAbsolutePath();
        for (Path candidate = dir; candidate != null; candidate = candidate.getParent()) {
            if (Files.isRegularFile(candidate.resolve("mvnw")) && Files.isDirectory(candidate.resolve("dev"))) {
                return candidate;
            }
        }
        return dir;
    }

    public Path home() {
        return home;
    }

    /** The agent's HTTP API, from {@code api-listen}. */
    public URI agentUrl() {
        String listen = settings.getProperty("api-listen", "127.0.0.1:8640").trim();
        return URI.create("http://" + listen + "/");
    }

    public AgentApiClient agent() {
        return new AgentApiClient(agentUrl(), apiToken);
    }

    public String apiToken() {
        return apiToken;
    }

    /** The portal's private key ({@code token-key-file}). */
    public Path portalKey() {
        return Path.of(settings.getProperty("token-key-file", home.resolve("portal-key.pem").toString()).trim());
    }

    public String portalKeyId() {
        return settings.getProperty("token-key-id", "demo-portal-1").trim();
    }

    public String tokenIssuer() {
        return settings.getProperty("token-issuer", "heps-portal").trim();
    }

    public String tokenAudience() {
        return settings.getProperty("token-audience", "heps-guacamole").trim();
    }

    /** The beamlines experiments may name ({@code beamlines}). */
    public List<String> beamlines() {
        return Arrays.stream(settings.getProperty("beamlines", "").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * The token the demo's Guacamole fetches RDP sign-ins with ({@code credential-tokens-file});
     * empty when the demo runs without the Samba AD test bed (no AD accounts, no single sign-on).
     */
    public java.util.Optional<String> credentialToken() {
        String file = settings.getProperty("credential-tokens-file", "").trim();
        if (file.isEmpty() || settings.getProperty("ad-url", "").isBlank()) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(Files.readString(Path.of(file)).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String vncSiteSecret() {
        try {
            return Files.readString(home.resolve("vnc-site-secret")).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
