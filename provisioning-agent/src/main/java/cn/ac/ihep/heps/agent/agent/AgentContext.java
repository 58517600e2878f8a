package cn.ac.ihep.heps.agent.agent;

import cn.ac.ihep.heps.agent.accounts.AccountSettings;
import cn.ac.ihep.heps.agent.accounts.DirectoryAccounts;
import cn.ac.ihep.heps.agent.activity.ActivityService;
import cn.ac.ihep.heps.agent.activity.PolicyDisconnectLimits;
import cn.ac.ihep.heps.agent.api.BearerTokens;
import cn.ac.ihep.heps.agent.config.AgentConfiguration;
import cn.ac.ihep.heps.agent.desktop.DesktopService;
import cn.ac.ihep.heps.agent.desktop.EnrollmentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.experiment.ExperimentValidator;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.metrics.MeteredCloudProvider;
import cn.ac.ihep.heps.agent.reconcile.Notifier;
import cn.ac.ihep.heps.agent.reconcile.ReconcileSettings;
import cn.ac.ihep.heps.agent.reconcile.Reconciler;
import cn.ac.ihep.heps.agent.quota.QuotaService;
import cn.ac.ihep.heps.agent.store.ActivityRepository;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.agent.store.QuotaRepository;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.desktop.VncPasswordDerivation;
import java.time.Clock;
import java.util.function.Function;

/**
 * Builds the agent's parts from its configuration, once, by hand (constructor injection
 * without a container): the database, the cloud (metered), and the services on top.
 * The CLI and {@code heps agent serve} both use it.
 */
public final class AgentContext {
    private final AgentConfiguration configuration;
    private final Clock clock;
    private final AgentMetrics metrics = new AgentMetrics();
    private final Function<AgentConfiguration, CloudProvider> cloudFactory;
    private Database database;
    private CloudProvider cloud;
    private final ExperimentRepository experimentRepository = new ExperimentRepository();
    private final DesktopRepository desktopRepository = new DesktopRepository();
    private final AuditLog audit = new AuditLog();
    private final ActivityRepository activityRepository = new ActivityRepository();

    public AgentContext(AgentConfiguration configuration, Function<AgentConfiguration, CloudProvider> cloudFactory,
            Clock clock) {
        this.configuration = configuration;
        this.cloudFactory = cloudFactory;
        this.clock = clock;
    }

    public AgentConfiguration configuration() {
        return configuration;
    }

    public Clock clock() {
        return clock;
    }

    public AgentMetrics metrics() {
        return metrics;
    }

    public synchronized Database database() {
        if (database == null) {
            database = Database.open(configuration.databaseUrl(), configuration.databaseUser(),
                    configuration.databasePassword());
        }
        return database;
    }

    public synchronized CloudProvider cloud() {
        if (cloud == null) {
            cloud = MeteredCloudProvider.wrap(() -> cloudFactory.apply(configuration), metrics);
        }
        return cloud;
    }

    public ExperimentRepository experimentRepository() {
        return experimentRepository;
    }

    public DesktopRepository desktopRepository() {
        return desktopRepository;
    }

    public AuditLog audit() {
        return audit;
    }

    public ExperimentService experiments() {
        return new ExperimentService(database(), experimentRepository, audit,
                new ExperimentValidator(configuration.beamlines(), cloud()), quotas(), clock);
    }

    /** Quotas per experiment and the site default ({@code heps quota}). */
    public QuotaService quotas() {
        return new QuotaService(database(), new QuotaRepository(), experimentRepository, audit, clock);
    }

    public DesktopService desktops() {
        return new DesktopService(database(), desktopRepository, audit, cloud(), clock);
    }

    public EnrollmentService enrollment() {
        return new EnrollmentService(database(), desktopRepository, audit,
                new VncPasswordDerivation(configuration.vncSiteSecret()), clock);
    }

    /** The LDAP and AD accounts of experiment members (CONTRACTS §4, {@code heps accounts}). */
    public DirectoryAccounts directoryAccounts() {
        return new DirectoryAccounts(database(), experimentRepository, audit, AccountSettings.from(configuration), clock);
    }

    /** The Guacamole nodes' activity reports ({@code POST /v1/desktop-activity}). */
    public ActivityService activity() {
        return new ActivityService(database(), activityRepository, new BearerTokens(configuration.activityTokens()),
                new PolicyDisconnectLimits(database(), desktopRepository, experimentRepository,
                        configuration.idleSettings()), clock);
    }

    public ActivityRepository activityRepository() {
        return activityRepository;
    }

    /** The URL desktop VMs use to reach the API, given where the API listens. */
    public String agentUrl(String listeningUrl) {
        return configuration.agentUrl().map(Object::toString).orElse(listeningUrl);
    }

    public Reconciler reconciler(String agentUrl) {
        ReconcileSettings settings = new ReconcileSettings(configuration.agentId(), configuration.startLeadTime(),
                configuration.retention(), configuration.notifyAhead(), configuration.claimDuration(),
                configuration.vmNetwork(), configuration.gpuResourceClass(), agentUrl(agentUrl),
                configuration.adDomain(), configuration.adComputerOu(), configuration.storageMounts(),
                configuration.userDataTemplateDir(), configuration.maxCreatesPerPass(), configuration.idleSettings(),
                configuration.idleReportTimeout());
        return new Reconciler(database(), experimentRepository, desktopRepository, audit, cloud(),
                new Notifier(configuration.webhookUrl()), metrics, settings, clock);
    }
}
