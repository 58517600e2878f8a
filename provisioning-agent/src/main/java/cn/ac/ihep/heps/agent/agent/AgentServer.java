package cn.ac.ihep.heps.agent.agent;

import cn.ac.ihep.heps.agent.api.ApiServer;
import cn.ac.ihep.heps.agent.api.BearerTokens;
import cn.ac.ihep.heps.agent.config.AgentConfiguration;
import cn.ac.ihep.heps.agent.config.ConfigurationException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;

/** {@code heps agent serve}: the HTTP API and the reconcile loop in one process. */
public final class AgentServer implements AutoCloseable {
    private final ApiServer api;
    private final ReconcileLoop loop;
    private final PasswordRotationLoop rotation;
    private final URI baseUri;

    private AgentServer(ApiServer api, ReconcileLoop loop, PasswordRotationLoop rotation, URI baseUri) {
        this.api = api;
        this.loop = loop;
        this.rotation = rotation;
        this.baseUri = baseUri;
    }

    public static AgentServer start(AgentContext context) throws IOException {
        AgentConfiguration configuration = context.configuration();
        SSLContext tls = configuration.apiTlsKeystore()
                .map(path -> TlsContexts.server(path, configuration.apiTlsKeystorePassword(),
                        configuration.apiTlsClientCa()))
                .orElse(null);
        // The loop needs the API's address (the guests enrol there), so it starts after the API;
        // a change that arrives before it is in the loop's first pass anyway.
        AtomicReference<ReconcileLoop> started = new AtomicReference<>();
        Runnable desktopsChanged = () -> {
            ReconcileLoop loop = started.get();
            if (loop != null) {
                loop.passSoon();
            }
        };
        ApiServer.Services services = new ApiServer.Services(context.experiments(), context.database(),
                context.desktopRepository(), context.enrollment(), context.directoryAccounts(), context.cloud(),
                context.metrics(),
                new BearerTokens(configuration.apiTokens()), configuration.enrollmentChecksAddress(), context.activity(),
                context.desktops(), context.desktopUsers(),
                new ApiServer.SignInAccess(context.desktopSignIn(), new BearerTokens(configuration.credentialTokens()),
                        configuration.ssoAllowPlainHttp()), desktopsChanged);
        ApiServer api;
        try {
            ApiServer.Limits limits = new ApiServer.Limits(configuration.apiRequestTimeout(),
                    configuration.apiIdleTimeout(), configuration.apiMaxConnections(),
                    configuration.apiMaxConnectionsPerAddress(), configuration.apiMaxConcurrentRequests(),
                    configuration.apiMaxQueuedRequests());
            api = ApiServer.start(listenAddress(configuration.apiListen()), services, tls,
                    configuration.apiTlsClientCa().isPresent(), limits);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(e.getMessage());
        }
        URI baseUri = api.baseUri(tls != null);
        ReconcileLoop loop = new ReconcileLoop(context.reconciler(baseUri.toString()), context.directoryAccounts(),
                configuration.accountCheckInterval());
        loop.start(configuration.reconcileInterval());
        started.set(loop);
        PasswordRotationLoop rotation = new PasswordRotationLoop(context.accountPasswords());
        rotation.start(configuration.ssoRotationCheckInterval());
        return new AgentServer(api, loop, rotation, baseUri);
    }

    static InetSocketAddress listenAddress(String value) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0) {
            throw new ConfigurationException("api-listen must be host:port, not '" + value + "'");
        }
        try {
            return new InetSocketAddress(value.substring(0, colon), Integer.parseInt(value.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("api-listen must be host:port, not '" + value + "'");
        }
    }

    public URI baseUri() {
        return baseUri;
    }

    @Override
    public void close() {
        rotation.close();
        loop.close();
        api.close();
    }
}
