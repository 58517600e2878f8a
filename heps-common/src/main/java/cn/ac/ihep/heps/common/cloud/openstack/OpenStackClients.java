package cn.ac.ihep.heps.common.cloud.openstack;

import cn.ac.ihep.heps.common.cloud.CloudException;
import java.util.Map;
import org.openstack4j.api.OSClient;
import org.openstack4j.api.types.Facing;
import org.openstack4j.core.transport.Config;
import org.openstack4j.model.identity.v3.Endpoint;
import org.openstack4j.model.identity.v3.Service;
import org.openstack4j.model.identity.v3.Token;
import org.openstack4j.openstack.OSFactory;

/**
 * Hands each calling thread an openstack4j client on the shared token, with the compute
 * microversion header set: openstack4j sends none by itself, and Nova then ignores tag filters.
 */
final class OpenStackClients {

    static final String MICROVERSION_HEADER = "OpenStack-API-Version";

    private final OpenStackSettings settings;
    private final SharedToken token;

    OpenStackClients(OpenStackSettings settings, SharedToken token) {
        this.settings = settings;
        this.token = token;
    }

    static Config config(OpenStackSettings settings) {
        return Config.newConfig()
                .withConnectionTimeout((int) settings.connectTimeout().toMillis())
                .withReadTimeout((int) settings.readTimeout().toMillis());
    }

    /**
     * A client for this thread. openstack4j binds the session to the current thread, so this is
     * called at the start of every operation rather than cached across threads.
     */
    OSClient.OSClientV3 client() {
        Token current = token.current();
        OSClient.OSClientV3 client = OSFactory.clientFromToken(current, Facing.PUBLIC, config(settings));
        settings.credentials().region().ifPresent(client::useRegion);
        client.headers(Map.of(MICROVERSION_HEADER, "compute " + settings.computeMicroversion()));
        return client;
    }

    Token token() {
        return token.current();
    }

    void tokenRefused() {
        token.invalidate();
    }

    void tokenRefused(Token refused) {
        token.invalidate(refused);
    }

    /** The public endpoint of a service type in the token's catalog (Placement, Glance). */
    String endpoint(String serviceType) {
        Token current = token.current();
        String region = settings.credentials().regionName();
        for (Service service : current.getCatalog()) {
            if (!serviceType.equals(service.getType())) {
                continue;
            }
            for (Endpoint endpoint : service.getEndpoints()) {
                boolean inRegion = region == null || region.equals(endpoint.getRegion())
                        || region.equals(endpoint.getRegionId());
                if (endpoint.getIface() == Facing.PUBLIC && inRegion) {
                    String url = endpoint.getUrl().toString();
                    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
                }
            }
        }
        throw new CloudException("The OpenStack catalog has no public " + serviceType + " endpoint"
                + (region == null ? "" : " in region " + region));
    }
}
