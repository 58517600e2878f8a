package cn.ac.ihep.heps.common.cloud.openstack;

import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudUnavailableException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.openstack4j.model.identity.v3.Token;

/**
 * Plain JSON calls for what openstack4j lacks or models poorly: Placement (absent from
 * openstack4j) and Glance image properties (openstack4j cannot list them). Same shared token.
 */
final class JsonApi {

    private static final ObjectMapper JSON = new ObjectMapper();

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

    JsonNode patch(String serviceType, String path, String contentType, Object body, String what) {
        return send(serviceType, "PATCH", path, null, contentType, body, what);
    }

    void delete(String serviceType, String path, String what) {
        send(serviceType, "DELETE", path, null, null, null, what);
    }

    private JsonNode send(String serviceType, String method, String path, String microversion, String contentType,
            Object body, String what) {
        try {
            return sendOnce(serviceType, method, path, microversion, contentType, body, what);
        } catch (TokenRefused refused) {
            // Keystone revoked the shared token: one more try with a fresh one.
            try {
                return sendOnce(serviceType, method, path, microversion, contentType, body, what);
            } catch (TokenRefused again) {
                throw new CloudException("Cannot " + what + ": OpenStack refused a freshly issued token (401)");
            }
        }
    }

    /** A 401: the shared token is no longer valid. */
    private static final class TokenRefused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TokenRefused() {
            super(null, null, false, false);
        }
    }

    private JsonNode sendOnce(String serviceType, String method, String path, String microversion, String contentType,
            Object body, String what) {
        Token token = clients.token();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(clients.endpoint(serviceType) + path))
                .timeout(settings.readTimeout())
                .header("X-Auth-Token", token.getId())
                .header("Accept", "application/json");
        if (microversion != null) {
            request.header(OpenStackClients.MICROVERSION_HEADER, serviceType + " " + microversion);
        }
        try {
            if (body == null) {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                request.header("Content-Type", contentType)
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
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
