package cn.ac.ihep.heps.auth.token.introspection;

import cn.ac.ihep.heps.auth.token.BoundedBody;
import cn.ac.ihep.heps.auth.token.PresentedToken;
import cn.ac.ihep.heps.auth.token.TokenRejectedException;
import cn.ac.ihep.heps.auth.token.VerifiedToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Asks the token server about an opaque token (CONTRACTS §1b, RFC 7662 shape): POST
 * {@code token=<token>} with HTTP Basic client credentials, within a fixed timeout. An answer
 * is trusted only when {@code active} is true and it names the user and an {@code exp} in the
 * future; it is cached (by token hash) until that {@code exp} at most. When the answer carries
 * {@code aud} or {@code client_id}, one of them must name us ({@code accepted}): a token the
 * server issued for another service is not a ticket to a desktop. An empty {@code accepted}
 * turns that check off.
 */
public final class IntrospectionClient {

    private static final int MAXIMUM_RESPONSE_BYTES = 64 * 1024;
    private static final int MAXIMUM_CACHED = 10_000;

    private final URI url;
    private final String authorization;
    private final Duration timeout;
    private final Clock clock;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, VerifiedToken> cache = new ConcurrentHashMap<>();
    private final Set<String> accepted;

    public IntrospectionClient(URI url, String clientId, String clientSecret, Duration timeout, Clock clock,
            Set<String> accepted) {
        this.url = url;
        this.accepted = Set.copyOf(accepted);
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(
                (URLEncoder.encode(clientId, StandardCharsets.UTF_8) + ":"
                        + URLEncoder.encode(clientSecret, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        this.timeout = timeout;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public VerifiedToken introspect(PresentedToken token) throws TokenRejectedException {
        String hash = token.sha256();
        Instant now = clock.instant();
        VerifiedToken cached = cache.get(hash);
        if (cached != null && cached.expiresAt().isAfter(now))
            return cached;

        HttpResponse<byte[]> response;
        try {
            response = http.send(HttpRequest.newBuilder(url)
                    .timeout(timeout)
                    .header("Authorization", authorization)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "token=" + URLEncoder.encode(token.value(), StandardCharsets.UTF_8)))
                    .build(), BoundedBody.upTo(MAXIMUM_RESPONSE_BYTES));
        }
        catch (HttpTimeoutException e) {
            throw new TokenRejectedException("token server did not answer within " + timeout.toMillis() + " ms");
        }
        catch (IOException e) {
            if (BoundedBody.tooLarge(e))
                throw new TokenRejectedException("token server answer larger than " + MAXIMUM_RESPONSE_BYTES + " bytes");
            throw new TokenRejectedException("token server unreachable (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenRejectedException("interrupted while asking the token server");
        }
        if (response.statusCode() != 200)
            throw new TokenRejectedException("token server answered HTTP " + response.statusCode());

        VerifiedToken verified = parse(response.body(), hash, now);
        if (cache.size() >= MAXIMUM_CACHED)
            cache.values().removeIf(v -> !v.expiresAt().isAfter(now));
        if (cache.size() < MAXIMUM_CACHED)
            cache.put(hash, verified);
        return verified;
    }

    private VerifiedToken parse(byte[] body, String hash, Instant now) throws TokenRejectedException {
        JsonNode answer;
        try {
            answer = json.readTree(body);
        }
        catch (IOException e) {
            throw new TokenRejectedException("token server answer is not JSON");
        }
        if (answer == null || !answer.isObject())
            throw new TokenRejectedException("token server answer is not a JSON object");
        JsonNode active = answer.get("active");
        if (active == null || !active.isBoolean())
            throw new TokenRejectedException("introspection answer has no boolean \"active\"");
        if (!active.booleanValue())
            throw new TokenRejectedException("token is not active");
        checkAudience(answer);
        String subject = text(answer, "sub").or(() -> text(answer, "username"))
                .orElseThrow(() -> new TokenRejectedException("introspection answer names no user"));
        JsonNode exp = answer.get("exp");
        if (exp == null || !exp.canConvertToLong())
            throw new TokenRejectedException("introspection answer has no numeric \"exp\"");
        Instant expiresAt = Instant.ofEpochSecond(exp.longValue());
        if (!expiresAt.isAfter(now))
            throw new TokenRejectedException("expired");
        List<String> groups = new ArrayList<>();
        JsonNode groupsNode = answer.get("groups");
        if (groupsNode != null && !groupsNode.isNull()) {
            if (!groupsNode.isArray())
                throw new TokenRejectedException("groups is not an array");
            for (JsonNode group : groupsNode) {
                if (!group.isTextual() || group.textValue().isBlank())
                    throw new TokenRejectedException("groups holds a non-string or empty entry");
                groups.add(group.textValue());
            }
        }
        return new VerifiedToken(subject, "sha256:" + hash, expiresAt, groups, text(answer, "name"),
                text(answer, "experiment"), text(answer, "vm"));
    }

    private void checkAudience(JsonNode answer) throws TokenRejectedException {
        if (accepted.isEmpty())
            return;
        JsonNode audience = answer.get("aud");
        if (audience != null && !audience.isNull()) {
            List<String> named = new ArrayList<>();
            if (audience.isTextual())
                named.add(audience.textValue());
            else if (audience.isArray())
                audience.forEach(a -> named.add(a.asText()));
            if (named.stream().noneMatch(accepted::contains))
                throw new TokenRejectedException("introspection answer's aud does not name this service");
        }
        Optional<String> client = text(answer, "client_id");
        if (client.isPresent() && !accepted.contains(client.get()))
            throw new TokenRejectedException("introspection answer's client_id is not this service's");
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() && !value.textValue().isBlank()
                ? Optional.of(value.textValue()) : Optional.empty();
    }
}
