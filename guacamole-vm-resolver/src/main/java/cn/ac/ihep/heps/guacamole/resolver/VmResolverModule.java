package cn.ac.ihep.heps.guacamole.resolver;

import cn.ac.ihep.heps.guacamole.resolver.share.LiveSessions;
import cn.ac.ihep.heps.guacamole.resolver.share.ShareLinkAuthenticator;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.guacamole.resolver.activity.ActivityReporter;
import cn.ac.ihep.heps.guacamole.resolver.activity.IdleDisconnector;
import cn.ac.ihep.heps.guacamole.resolver.activity.JoinLog;
import cn.ac.ihep.heps.guacamole.resolver.activity.SessionRegistry;
import cn.ac.ihep.heps.guacamole.resolver.connection.ConnectionProfileFactory;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopFactory;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopIndexService;
import cn.ac.ihep.heps.guacamole.resolver.power.DesktopWakeService;
import cn.ac.ihep.heps.guacamole.resolver.power.PortProbe;
import cn.ac.ihep.heps.guacamole.resolver.recording.RecordingHistory;
import cn.ac.ihep.heps.guacamole.resolver.recording.RecordingRetention;
import cn.ac.ihep.heps.guacamole.resolver.recording.RecordingStore;
import cn.ac.ihep.heps.guacamole.resolver.signin.AgentSignIn;
import cn.ac.ihep.heps.guacamole.resolver.signin.RdpSingleSignOn;
import cn.ac.ihep.heps.guacamole.resolver.user.DesktopUserContextService;
import com.google.inject.AbstractModule;
import java.time.Clock;
import org.apache.guacamole.environment.Environment;
import org.apache.guacamole.net.auth.AuthenticationProvider;

/** Wires the resolver's services for its private injector. */
public class VmResolverModule extends AbstractModule {

    private final AuthenticationProvider authProvider;
    private final Environment environment;
    private final CloudProvider cloud;
    private final Clock clock;

    public VmResolverModule(AuthenticationProvider authProvider, Environment environment, CloudProvider cloud,
            Clock clock) {
        this.authProvider = authProvider;
        this.environment = environment;
        this.cloud = cloud;
        this.clock = clock;
    }

    @Override
    protected void configure() {
        bind(AuthenticationProvider.class).toInstance(authProvider);
        bind(Environment.class).toInstance(environment);
        bind(CloudProvider.class).toInstance(cloud);
        bind(Clock.class).toInstance(clock);
        bind(PortProbe.class).toInstance(new PortProbe());

        bind(ConfigurationService.class);
        bind(DesktopFactory.class);
        bind(DesktopIndexService.class);
        bind(ConnectionProfileFactory.class);
        bind(DesktopWakeService.class);
        bind(DesktopUserContextService.class);
        bind(LiveSessions.class);
        bind(ShareLinkAuthenticator.class);
        bind(SessionRegistry.class);
        bind(JoinLog.class);
        bind(ActivityReporter.class);
        bind(AgentSignIn.class);
        bind(RdpSingleSignOn.class);
        bind(IdleDisconnector.class);
        bind(RecordingStore.class);
        bind(RecordingHistory.class);
        bind(RecordingRetention.class);
    }
}
