package cn.ac.ihep.heps.agent.agent;

import cn.ac.ihep.heps.agent.accounts.AccountPasswords;
import cn.ac.ihep.heps.agent.accounts.AccountSettings;
import cn.ac.ihep.heps.agent.accounts.ComputerAccounts;
import cn.ac.ihep.heps.agent.accounts.SignInSettings;
import cn.ac.ihep.heps.agent.config.ConfigurationException;
import cn.ac.ihep.heps.agent.config.DirectoryServer;
import cn.ac.ihep.heps.agent.desktop.DesktopSignIn;
import cn.ac.ihep.heps.agent.secrets.SecretBox;
import cn.ac.ihep.heps.agent.secrets.SiteKey;
import cn.ac.ihep.heps.agent.accounts.DirectoryAccounts;
import cn.ac.ihep.heps.agent.activity.ActivityService;
import cn.ac.ihep.heps.agent.activity.PolicyDisconnectLimits;
import cn.ac.ihep.heps.agent.api.BearerTokens;
import cn.ac.ihep.heps.agent.audit.AuditService;
import cn.ac.ihep.heps.agent.config.AgentConfiguration;
import cn.ac.ihep.heps.agent.desktop.DesktopService;
import cn.ac.ihep.heps.agent.desktop.DesktopUserService;
import cn.ac.ihep.heps.agent.desktop.EnrollmentService;
import cn.ac.ihep.heps.agent.desktop.ServerAddresses;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.firewall.DesktopAccess;
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
import cn.ac.ihep.heps.agent.store.DesktopUserRepository;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.agent.store.QuotaRepository;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.desktop.VncPasswordDerivation;
import java.time.Clock;
import java.util.Optional;
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
    private SecretBox secretBox;
    private AccountPasswords accountPasswords;

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
        return new DesktopService(database(), desktopRepository, experimentRepository, audit, cloud(), clock);
    }

    /** The audit log, read by filter ({@code heps audit list}). */
    public AuditService auditLog() {
        return new AuditService(database(), desktopRepository, audit);
    }

    /** The named users of each desktop ({@code heps-user:} tags). */
    public DesktopUserService desktopUsers() {
        return new DesktopUserService(database(), desktopRepository, new DesktopUserRepository(), audit, clock);
    }

    public EnrollmentService enrollment() {
        String vmNetwork = configuration.vmNetwork();
        ServerAddresses addresses = configuration.enrollmentChecksAddress()
                ? serverId -> cloud().findServer(serverId).flatMap(server -> server.fixedAddressOn(vmNetwork))
                : ServerAddresses.NONE;
        return new EnrollmentService(database(), desktopRepository, audit,
                new VncPasswordDerivation(configuration.vncSiteSecret()), computerAccounts(), addresses, clock);
    }

    /** The LDAP and AD accounts of experiment members (CONTRACTS §4, {@code heps accounts}). */
    public DirectoryAccounts directoryAccounts() {
        AccountPasswords passwords = accountPasswords();
        return new DirectoryAccounts(database(), experimentRepository, audit, AccountSettings.from(configuration), clock,
                passwords.enabled() ? passwords : null);
    }

    /** The site key's box for what the agent keeps sealed; the key file is read (or made) on first use. */
    public synchronized SecretBox secretBox() {
        if (secretBox == null) {
            secretBox = new SecretBox(SiteKey.loadOrCreate(configuration.ssoKeyFile()));
        }
        return secretBox;
    }

    /** The sign-in passwords of the AD accounts the agent creates (RDP single sign-on). */
    public synchronized AccountPasswords accountPasswords() {
        if (accountPasswords == null) {
            AccountSettings accounts = AccountSettings.from(configuration);
            boolean enabled = configuration.ssoEnabled() && accounts.ad().isPresent();
            SignInSettings settings = new SignInSettings(enabled, configuration.ssoPasswordMaxAge(),
                    configuration.adDomain().orElse(accounts.upnSuffix()));
            // No key file is made for a site that keeps no passwords.
            accountPasswords = new AccountPasswords(database(), audit, accounts, settings,
                    enabled ? secretBox() : null, clock);
        }
        return accountPasswords;
    }

    /** {@code POST /v1/desktop-sign-in}: the owner's AD sign-in for a Guacamole node. */
    public DesktopSignIn desktopSignIn() {
        return new DesktopSignIn(database(), desktopRepository, accountPasswords());
    }

    /** Where desktops that join the domain get their computer accounts; empty without ad-domain. */
    public Optional<ComputerAccounts> computerAccounts() {
        if (configuration.adDomain().isEmpty()) {
            return Optional.empty();
        }
        DirectoryServer ad = configuration.adAccounts().orElseThrow(() -> new ConfigurationException(
                "ad-domain is set, so the agent pre-stages each desktop's computer account in AD: set ad-url, "
                        + "ad-bind-dn and ad-bind-password too (the bind DN must be allowed to create computers)"));
        return Optional.of(new ComputerAccounts(ad, configuration.adDomain().get(), configuration.adComputerOu(),
                secretBox()));
    }

    /** The Guacamole nodes' activity reports ({@code POST /v1/desktop-activity}). */
    public ActivityService activity() {
        return new ActivityService(database(), activityRepository, new BearerTokens(configuration.activityTokens()),
                new PolicyDisconnectLimits(database(), desktopRepository, experimentRepository,
                        configuration.idleSettings()), accountPasswords()::sessionEnded, clock);
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
                configuration.vmNetwork(), DesktopAccess.of(configuration.guacdNetworks()),
                configuration.gpuResourceClass(), agentUrl(agentUrl),
                configuration.adDomain(), configuration.adComputerOu(), configuration.storageMounts(),
                configuration.userDataTemplateDir(), configuration.maxCreatesPerPass(), configuration.idleSettings(),
                configuration.idleReportTimeout());
        return new Reconciler(database(), experimentRepository, desktopRepository, audit, cloud(),
                new Notifier(configuration.webhookUrl()), metrics, settings, clock, computerAccounts());
    }
}
