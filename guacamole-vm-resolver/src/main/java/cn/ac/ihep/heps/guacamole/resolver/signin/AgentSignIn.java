package cn.ac.ihep.heps.guacamole.resolver.signin;

import cn.ac.ihep.heps.common.log.LogSafe;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.guacamole.GuacamoleException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a desktop owner's AD sign-in from the provisioning agent
 * ({@code POST <heps-agent-url>/v1/desktop-sign-in}, bearer {@code heps-agent-credential-token}),
 * for one connect. Nothing is kept: no cache, and the password is never logged or put in a URL.
 * Any failure (agent down, slow beyond {@code heps-agent-timeout}, refused) gives no sign-in,
 * and Guacamole asks the user for the password as it would without single sign-on.
 */
@Singleton
public class AgentSignIn {

    private static final Logger logger = LoggerFactory.getLogger(AgentSignIn.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final int MAX_ANSWER_BYTES = 16 * 1024;

    private final URI endpoint;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    @Inject
    public AgentSignIn(ConfigurationService configuration) throws GuacamoleException {
        boolean enabled = configuration.isRdpSingleSignOn();
        Optional<URI> agent = configuration.getAgentUrl();
        this.endpoint = enabled ? agent.map(uri -> uri.resolve(uri.getPath().endsWith("/") ? "v1/desktop-sign-in"
                : uri.getPath() + "/v1/desktop-sign-in")).orElseThrow() : null;
        this.token = enabled ? configuration.getAgentCredentialToken() : null;
        this.timeout = configuration.getAgentTimeout();
        this.http = enabled ? HttpClient.newBuilder().connectTimeout(timeout).build() : null;
        if (enabled) {
            logger.info("RDP single sign-on: desktop owners are signed in with the AD sign-in from {}", endpoint);
        } else {
            logger.info("RDP single sign-on is off (heps-rdp-single-sign-on, heps-agent-url, "
                    + "heps-agent-credential-token): Guacamole asks RDP users for their password");
        }
    }

    public boolean enabled() {
        return endpoint != null;
    }

    /** The owner's sign-in for the desktop, or empty (Guacamole then prompts). */
    public Optional<SignIn> fetch(String serverId, String username) {
        if (!enabled()) {
            return Optional.empty();
        }
        try {
            HttpRequest request = HttpRequest.newBuilder(endpoint)
                    .timeout(timeout)
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(
                            Map.of("serverId", serverId, "username", username))))
                    .build();
            HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            byte[] body;
            try (java.io.InputStream in = response.body()) {
                // Read no more than an answer can be: the agent is trusted, but a proxy on the way may not be.
                body = in.readNBytes(MAX_ANSWER_BYTES + 1);
            }
            if (response.statusCode() != 200) {
                logger.warn("No single sign-on for \"{}\" on desktop {}: the agent answered {}{}; Guacamole asks "
                        + "for the password", LogSafe.text(username), LogSafe.text(serverId), response.statusCode(),
                        reason(response.statusCode(), body));
                return Optional.empty();
            }
            if (body.length > MAX_ANSWER_BYTES) {
                logger.warn("No single sign-on for \"{}\": the agent's answer is larger than {} bytes",
                        LogSafe.text(username), MAX_ANSWER_BYTES);
                return Optional.empty();
            }
            JsonNode answer = JSON.readTree(body);
            String signedInAs = answer.path("username").asText("");
            String password = answer.path("password").asText("");
            if (!signedInAs.equals(username) || password.isEmpty()) {
                logger.warn("No single sign-on for \"{}\": the agent's answer names another user or no password",
                        LogSafe.text(username));
                return Optional.empty();
            }
            return Optional.of(new SignIn(signedInAs, answer.path("domain").asText(""), password));
        } catch (IOException e) {
            String why = e instanceof java.net.http.HttpTimeoutException
                    ? "no answer within " + timeout.toSeconds() + " s (heps-agent-timeout)"
                    : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            logger.warn("No single sign-on for \"{}\" on desktop {}: cannot reach the agent ({}); Guacamole asks "
                    + "for the password", LogSafe.text(username), LogSafe.text(serverId), LogSafe.message(why));
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The agent's error message (never a password: only non-200 answers get here). */
    private static String reason(int status, byte[] body) {
        String hint = status == 401 ? " (check heps-agent-credential-token against the agent's "
                + "credential-tokens)" : "";
        try {
            String error = JSON.readTree(body).path("error").asText("");
            return (error.isEmpty() ? "" : " (" + LogSafe.message(error) + ")") + hint;
        } catch (IOException e) {
            return hint;
        }
    }
}
