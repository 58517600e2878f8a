package cn.ac.ihep.heps.common.cloud.openstack;

import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudUnavailableException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.openstack4j.model.identity.v3.Token;

/**
 * Plain JSON calls for what openstack4j lacks or models poorly: Placement (absent from
 * openstack4j) and Glance image properties (openstack4j cannot list them). Same shared token.
 */
final class JsonApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The methods a request may be repeated with when it was dropped without an answer. */
    private static final Set<String> IDEMPOTENT = Set.of("GET", "PUT", "DELETE");

    private final OpenStackClients clients;
    private final OpenStackSettings settings;
    private final HttpClient http;

    JsonApi(OpenStackClients clients, OpenStackSettings settings) {
        this.clients = clients;
        this.settings = settings;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout()).build();
    }

    JsonNode get(String serviceType, String path, String microversion, String what) {
        return send(serviceType, "GET", path, microversion, null, null, what);
    }

    JsonNode post(String serviceType, String path, String microversion, Object body, String what) {
        return send(serviceType, "POST", path, microversion, "application/json", body, what);
    }

    JsonNode put(String serviceType, String path, String microversion, Object body, String what) {
        return send(serviceType, "PUT", path, microversion, "application/json", body, what);
    }

    JsonNode patch(String serviceType, String path, String contentType, Object body, String what) {
        return send(serviceType, "PATCH", path, null, contentType, body, what);
    }

    void delete(String serviceType, String path, String what) {
        send(serviceType, "DELETE", path, null, null, null, what);
    }

    /**
     * PUTs a file as {@code application/octet-stream}, read from disk as it is sent (never whole
     * into memory), with its own timeout for the whole request. A dropped connection is not sent
     * again: the service may have taken part of the data.
     */
    JsonNode putFile(String serviceType, String path, Path file, Duration timeout, String what) {
        HttpRequest.BodyPublisher data;
        try {
            data = HttpRequest.BodyPublishers.ofFile(file);
        } catch (java.io.FileNotFoundException e) {
            throw new CloudException("Cannot " + what + ": no file " + file, e);
        }
        Payload payload = new Payload("application/octet-stream", data);
        return renewingToken(() -> sendOnce(serviceType, "PUT", path, null, payload, timeout, what),
                () -> sendOnce(serviceType, "PUT", path, null, payload, timeout, what), what);
    }

    /** A request body and its content type; the publisher may be subscribed again for a second try. */
    private record Payload(String contentType, HttpRequest.BodyPublisher publisher) {
    }

    private JsonNode send(String serviceType, String method, String path, String microversion, String contentType,
            Object body, String what) {
        Payload payload;
        try {
            payload = body == null ? null
                    : new Payload(contentType, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        } catch (IOException e) {
            throw new CloudException("Cannot " + what + ": " + e.getMessage(), e);
        }
        return renewingToken(() -> sendAgainIfDropped(serviceType, method, path, microversion, payload, what),
                () -> sendOnce(serviceType, method, path, microversion, payload, settings.readTimeout(), what), what);
    }

    /** Keystone revoked the shared token (401): one more try with a fresh one. */
    private static JsonNode renewingToken(java.util.function.Supplier<JsonNode> first,
            java.util.function.Supplier<JsonNode> again, String what) {
        try {
            return first.get();
        } catch (TokenRefused refused) {
            try {
                return again.get();
            } catch (TokenRefused twice) {
                throw new CloudException("Cannot " + what + ": OpenStack refused a freshly issued token (401)");
            }
        }
    }

    /**
     * A connection the service (or a proxy before it) closed without a byte of answer, as one
     * closing an idle keep-alive connection does when a request crosses it, is tried once more
     * for GET, PUT and DELETE, which may be repeated. Never a POST or PATCH: it may have acted.
     */
    private JsonNode sendAgainIfDropped(String serviceType, String method, String path, String microversion,
            Payload payload, String what) {
        try {
            return sendOnce(serviceType, method, path, microversion, payload, settings.readTimeout(), what);
        } catch (CloudUnavailableException e) {
            if (!IDEMPOTENT.contains(method) || !droppedWithoutAnswer(e.getCause())) {
                throw e;
            }
            return sendOnce(serviceType, method, path, microversion, payload, settings.readTimeout(), what);
        }
    }

    /** Closed or reset before any answer; not a timeout (a slow service is not asked twice). */
    static boolean droppedWithoutAnswer(Throwable failure) {
        if (!(failure instanceof IOException) || failure instanceof HttpTimeoutException
                || failure instanceof ConnectException) {
            return false;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (t instanceof EOFException || (message != null && (message.contains("received no bytes")
                    || message.contains("Connection reset") || message.contains("closed")))) {
                return true;
            }
        }
        return false;
    }

    /** A 401: the shared token is no longer valid. */
    private static final class TokenRefused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TokenRefused() {
            super(null, null, false, false);
        }
    }

    private JsonNode sendOnce(String serviceType, String method, String path, String microversion, Payload payload,
            Duration timeout, String what) {
        Token token = clients.token();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(clients.endpoint(serviceType) + path))
                .timeout(timeout)
                .header("X-Auth-Token", token.getId())
                .header("Accept", "application/json");
        if (microversion != null) {
            request.header(OpenStackClients.MICROVERSION_HEADER, serviceType + " " + microversion);
        }
        try {
            if (payload == null) {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                request.header("Content-Type", payload.contentType()).method(method, payload.publisher());
            }
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            int status = response.statusCode();
            if (status == 401) {
                clients.tokenRefused(token);
                throw new TokenRefused();
            }
            if (status >= 400) {
                throw OpenStackErrors.fromStatus(what, status, new String(response.body(), java.nio.charset.StandardCharsets.UTF_8), null);
            }
            return response.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new CloudUnavailableException("Cannot " + what + ": " + serviceType + " did not answer (" + e + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudUnavailableException("Cannot " + what + ": interrupted", e);
        } catch (IllegalArgumentException e) {
            throw new CloudException("Cannot " + what + ": " + e.getMessage(), e);
        }
    }
}
