package cn.ac.ihep.heps.guacamole.resolver;

import cn.ac.ihep.heps.guacamole.resolver.connection.CertificatePolicy;
import cn.ac.ihep.heps.guacamole.resolver.recording.RecordingRule;
import cn.ac.ihep.heps.guacamole.resolver.recording.RecordingSettings;
import cn.ac.ihep.heps.guacamole.resolver.support.SupportGroups;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleServerException;
import org.apache.guacamole.environment.Environment;
import org.apache.guacamole.net.auth.GuacamoleProxyConfiguration;
import org.apache.guacamole.properties.BooleanGuacamoleProperty;
import org.apache.guacamole.properties.IntegerGuacamoleProperty;
import org.apache.guacamole.properties.StringGuacamoleProperty;

/**
 * Owns every {@code heps-…} property this extension reads from {@code guacamole.properties}
 * (or, the Guacamole way, from the matching environment variable: {@code heps-rdp-domain} →
 * {@code HEPS_RDP_DOMAIN}). Getters apply the defaults and fail with a message naming the
 * property when a value is unusable.
 */
@Singleton
public class ConfigurationService {

    /** Parameters a site may not override: they come from the VM itself. */
    private static final Set<String> DERIVED_PARAMETERS = Set.of("hostname", "password");

    // Index

    private static final IntegerGuacamoleProperty REFRESH_INTERVAL = integer("heps-vm-refresh-interval");
    private static final IntegerGuacamoleProperty MISS_REFRESH_INTERVAL = integer("heps-vm-miss-refresh-interval");
    private static final IntegerGuacamoleProperty MISS_REFRESH_TIMEOUT = integer("heps-vm-miss-refresh-timeout");
    private static final StringGuacamoleProperty NO_DESKTOP_ACTION = string("heps-vm-no-desktop-action");

    // Addresses and power

    private static final StringGuacamoleProperty VM_NETWORK = string("heps-vm-network");
    private static final BooleanGuacamoleProperty USE_FLOATING_IP = bool("heps-vm-use-floating-ip");
    private static final IntegerGuacamoleProperty PORT_PROBE_TIMEOUT = integer("heps-vm-port-probe-timeout");
    private static final IntegerGuacamoleProperty WAKE_RETRY_INTERVAL = integer("heps-vm-wake-retry-interval");

    // OpenStack credentials, as an alternative to clouds.yaml / OS_*

    private static final StringGuacamoleProperty OPENSTACK_CLOUD = string("heps-openstack-cloud");
    private static final StringGuacamoleProperty OPENSTACK_CLOUDS_YAML = string("heps-openstack-clouds-yaml");
    private static final StringGuacamoleProperty OPENSTACK_AUTH_URL = string("heps-openstack-auth-url");
    private static final StringGuacamoleProperty OPENSTACK_USERNAME = string("heps-openstack-username");
    private static final StringGuacamoleProperty OPENSTACK_PASSWORD = string("heps-openstack-password");
    private static final StringGuacamoleProperty OPENSTACK_PROJECT_NAME = string("heps-openstack-project-name");
    private static final StringGuacamoleProperty OPENSTACK_USER_DOMAIN = string("heps-openstack-user-domain-name");
    private static final StringGuacamoleProperty OPENSTACK_PROJECT_DOMAIN = string("heps-openstack-project-domain-name");
    private static final StringGuacamoleProperty OPENSTACK_REGION = string("heps-openstack-region-name");

    // RDP

    private static final IntegerGuacamoleProperty RDP_PORT = integer("heps-rdp-port");
    private static final StringGuacamoleProperty RDP_DOMAIN = string("heps-rdp-domain");
    private static final StringGuacamoleProperty RDP_SECURITY = string("heps-rdp-security");
    private static final StringGuacamoleProperty RDP_CERTIFICATE_POLICY = string("heps-rdp-certificate-policy");
    private static final StringGuacamoleProperty RDP_CERT_FINGERPRINTS = string("heps-rdp-cert-fingerprints");
    private static final BooleanGuacamoleProperty RDP_AUDIO_INPUT = bool("heps-rdp-enable-audio-input");
    private static final StringGuacamoleProperty RDP_PARAMETERS = string("heps-rdp-parameters");
    private static final BooleanGuacamoleProperty RDP_SINGLE_SIGN_ON = bool("heps-rdp-single-sign-on");
    private static final StringGuacamoleProperty RDP_SSO_SECURITY = string("heps-rdp-sso-security");

    // VNC

    private static final IntegerGuacamoleProperty VNC_PORT = integer("heps-vnc-port");
    private static final StringGuacamoleProperty VNC_SECRET = string("heps-vnc-secret");
    private static final StringGuacamoleProperty VNC_ENCODINGS = string("heps-vnc-encodings");
    private static final IntegerGuacamoleProperty VNC_QUALITY_LEVEL = integer("heps-vnc-quality-level");
    private static final IntegerGuacamoleProperty VNC_COMPRESS_LEVEL = integer("heps-vnc-compress-level");
    private static final IntegerGuacamoleProperty VNC_COLOR_DEPTH = integer("heps-vnc-color-depth");
    private static final StringGuacamoleProperty VNC_PARAMETERS = string("heps-vnc-parameters");

    // Sharing

    private static final BooleanGuacamoleProperty SHARING_ENABLED = bool("heps-sharing-enabled");

    // Who else may watch, and whom a user asks

    private static final StringGuacamoleProperty SUPPORT_GROUPS = string("heps-support-groups");
    private static final StringGuacamoleProperty SITE_CONTACT = string("heps-site-contact");

    // Activity reports to the provisioning agent, and idle sessions

    private static final StringGuacamoleProperty AGENT_URL = string("heps-agent-url");
    private static final StringGuacamoleProperty AGENT_TOKEN = string("heps-agent-token");
    private static final StringGuacamoleProperty AGENT_CREDENTIAL_TOKEN = string("heps-agent-credential-token");
    private static final IntegerGuacamoleProperty AGENT_REPORT_INTERVAL = integer("heps-agent-report-interval");
    private static final IntegerGuacamoleProperty AGENT_TIMEOUT = integer("heps-agent-timeout");
    private static final IntegerGuacamoleProperty AGENT_QUEUE = integer("heps-agent-queue");
    private static final StringGuacamoleProperty NODE_NAME = string("heps-node-name");

    // Recording

    private static final StringGuacamoleProperty RECORDING_PATH = string("heps-recording-path");
    private static final StringGuacamoleProperty RECORDING = string("heps-recording");
    /** No longer used: a recording is named by its session's id, which Guacamole's history looks it up by. */
    private static final StringGuacamoleProperty RECORDING_NAME = string("heps-recording-name");
    private static final BooleanGuacamoleProperty RECORDING_INCLUDE_KEYS = bool("heps-recording-include-keys");
    private static final BooleanGuacamoleProperty RECORDING_EXCLUDE_MOUSE = bool("heps-recording-exclude-mouse");
    private static final IntegerGuacamoleProperty RECORDING_RETENTION_DAYS = integer("heps-recording-retention-days");
    private static final StringGuacamoleProperty AUDITOR_GROUPS = string("heps-auditor-groups");
    /** The property of Guacamole's history-recording-storage extension: where it finds a history entry's recording. */
    private static final StringGuacamoleProperty RECORDING_SEARCH_PATH = string("recording-search-path");

    /** Defaults, in one place so the README table and the code cannot drift apart. */
    public static final int DEFAULT_REFRESH_INTERVAL_SECONDS = 15;
    public static final int DEFAULT_MISS_REFRESH_INTERVAL_SECONDS = 5;
    public static final int DEFAULT_MISS_REFRESH_TIMEOUT_SECONDS = 10;
    public static final String DEFAULT_VM_NETWORK = "heps-vm-network";
    public static final int DEFAULT_PORT_PROBE_TIMEOUT_MS = 500;
    public static final int DEFAULT_WAKE_RETRY_INTERVAL_SECONDS = 60;
    public static final String DEFAULT_RDP_SECURITY = "any";
    /** Windows checks the credentials before the session exists (network level authentication). */
    public static final String DEFAULT_RDP_SSO_SECURITY = "nla";
    /** guacd 1.6.0's GFX pipeline needs 32-bit colour (FACTS.md). */
    public static final int RDP_COLOR_DEPTH = 32;
    /** Cheap to decode on the data-centre network; measured ~10× the frame rate of guacd's defaults (FACTS.md). */
    public static final String DEFAULT_VNC_ENCODINGS = "raw copyrect";
    /**
     * With raw copyrect, 24-bit colour spares guacd converting pixels; FACTS.md measured the two
     * together delivering every painted frame at 1080p. Here (bench FrameRateBenchmark, 25 Hz
     * repaint, two cores saturated) runs with it delivered 78–98 % and without it 63–64 %.
     */
    public static final int DEFAULT_VNC_COLOR_DEPTH = 24;
    public static final int DEFAULT_AGENT_REPORT_INTERVAL_SECONDS = 30;
    public static final int DEFAULT_AGENT_TIMEOUT_SECONDS = 5;
    public static final int DEFAULT_AGENT_QUEUE = 1000;
    /** Every desktop's sessions are recorded once {@code heps-recording-path} is set, unless a site says otherwise. */
    public static final String DEFAULT_RECORDING = "on";
    public static final int DEFAULT_RECORDING_RETENTION_DAYS = 90;
    /** guacamole-history-recording-storage 1.6.0's default {@code recording-search-path}. */
    public static final String DEFAULT_RECORDING_SEARCH_PATH = "/var/lib/guacamole/recordings";
    public static final String DEFAULT_SITE_CONTACT = "the facility's user office";

    private final Environment environment;

    @Inject
    public ConfigurationService(Environment environment) {
        this.environment = environment;
    }

    /** What a login does when the user has no desktop VM. */
    public enum NoDesktopAction {
        /** Refuse the login with a message saying so (the portal hand-off exists only to open a desktop). */
        MESSAGE,
        /** Offer no connection from this extension; other extensions' connections still show. */
        EMPTY
    }

    public Duration getRefreshInterval() throws GuacamoleException {
        return Duration.ofSeconds(positive(REFRESH_INTERVAL, DEFAULT_REFRESH_INTERVAL_SECONDS));
    }

    public Duration getMissRefreshInterval() throws GuacamoleException {
        return Duration.ofSeconds(nonNegative(MISS_REFRESH_INTERVAL, DEFAULT_MISS_REFRESH_INTERVAL_SECONDS));
    }

    public Duration getMissRefreshTimeout() throws GuacamoleException {
        return Duration.ofSeconds(positive(MISS_REFRESH_TIMEOUT, DEFAULT_MISS_REFRESH_TIMEOUT_SECONDS));
    }

    public NoDesktopAction getNoDesktopAction() throws GuacamoleException {
        String value = environment.getProperty(NO_DESKTOP_ACTION, "message").trim();
        return switch (value) {
            case "message" -> NoDesktopAction.MESSAGE;
            case "empty" -> NoDesktopAction.EMPTY;
            default -> throw invalid(NO_DESKTOP_ACTION, value, "\"message\" or \"empty\"");
        };
    }

    public String getVmNetwork() throws GuacamoleException {
        return nonBlank(VM_NETWORK, DEFAULT_VM_NETWORK);
    }

    public boolean useFloatingIp() throws GuacamoleException {
        return environment.getProperty(USE_FLOATING_IP, false);
    }

    public Duration getPortProbeTimeout() throws GuacamoleException {
        return Duration.ofMillis(positive(PORT_PROBE_TIMEOUT, DEFAULT_PORT_PROBE_TIMEOUT_MS));
    }

    public Duration getWakeRetryInterval() throws GuacamoleException {
        return Duration.ofSeconds(positive(WAKE_RETRY_INTERVAL, DEFAULT_WAKE_RETRY_INTERVAL_SECONDS));
    }

    /**
     * OpenStack settings given as {@code heps-openstack-*} properties, keyed like clouds.yaml
     * ({@code cloud}, {@code auth_url}, {@code username}, {@code password}, {@code project_name},
     * {@code user_domain_name}, {@code project_domain_name}, {@code region_name}); empty when
     * none is set, so clouds.yaml / {@code OS_*} apply.
     */
    public Map<String, String> getOpenStackSettings() throws GuacamoleException {
        Map<String, String> settings = new LinkedHashMap<>();
        put(settings, "cloud", OPENSTACK_CLOUD);
        put(settings, "auth_url", OPENSTACK_AUTH_URL);
        put(settings, "username", OPENSTACK_USERNAME);
        put(settings, "password", OPENSTACK_PASSWORD);
        put(settings, "project_name", OPENSTACK_PROJECT_NAME);
        put(settings, "user_domain_name", OPENSTACK_USER_DOMAIN);
        put(settings, "project_domain_name", OPENSTACK_PROJECT_DOMAIN);
        put(settings, "region_name", OPENSTACK_REGION);
        return settings;
    }

    /** {@code heps-openstack-clouds-yaml}: the clouds.yaml that names {@code heps-openstack-cloud}, when a site sets it. */
    public Optional<java.nio.file.Path> getOpenStackCloudsYaml() throws GuacamoleException {
        return optional(OPENSTACK_CLOUDS_YAML).map(java.nio.file.Path::of);
    }

    /** {@code GUACAMOLE_HOME/clouds.yaml}, looked at after {@code OS_CLIENT_CONFIG_FILE}. */
    public java.nio.file.Path getGuacamoleHomeCloudsYaml() {
        return environment.getGuacamoleHome().toPath().resolve("clouds.yaml");
    }

    public int getRdpPort() throws GuacamoleException {
        return port(RDP_PORT, 3389);
    }

    public Optional<String> getRdpDomain() throws GuacamoleException {
        return optional(RDP_DOMAIN);
    }

    public String getRdpSecurity() throws GuacamoleException {
        return rdpSecurity(RDP_SECURITY, DEFAULT_RDP_SECURITY);
    }

    private String rdpSecurity(StringGuacamoleProperty property, String defaultValue) throws GuacamoleException {
        String value = nonBlank(property, defaultValue);
        if (!Set.of("any", "nla", "nla-ext", "tls", "rdp", "vmconnect").contains(value)) {
            throw invalid(property, value, "one of any, nla, nla-ext, tls, rdp, vmconnect");
        }
        return value;
    }

    /**
     * Whether an RDP desktop's owner is signed in with the AD sign-in the agent keeps for them
     * (no prompt): {@code heps-rdp-single-sign-on}, on by default whenever {@code heps-agent-url}
     * and {@code heps-agent-credential-token} are set; false keeps Guacamole's prompt.
     */
    public boolean isRdpSingleSignOn() throws GuacamoleException {
        Boolean wanted = environment.getProperty(RDP_SINGLE_SIGN_ON);
        boolean possible = getAgentUrl().isPresent() && optional(AGENT_CREDENTIAL_TOKEN).isPresent();
        if (Boolean.TRUE.equals(wanted) && !possible) {
            throw new GuacamoleServerException("heps-rdp-single-sign-on is true, but it needs heps-agent-url and "
                    + "heps-agent-credential-token (one of the agent's credential-tokens)");
        }
        return !Boolean.FALSE.equals(wanted) && possible;
    }

    /** The bearer token the owner's sign-in is fetched with: one of the agent's {@code credential-tokens}. */
    public String getAgentCredentialToken() throws GuacamoleException {
        return required(AGENT_CREDENTIAL_TOKEN, "for RDP single sign-on");
    }

    /**
     * The RDP {@code security} of a connection signed in with the owner's sign-in:
     * {@code heps-rdp-sso-security}, {@code nla} by default (Windows checks the credentials before
     * it builds the session). A server without NLA (xrdp) takes {@code tls}.
     */
    public String getRdpSsoSecurity() throws GuacamoleException {
        return rdpSecurity(RDP_SSO_SECURITY, DEFAULT_RDP_SSO_SECURITY);
    }

    public CertificatePolicy getRdpCertificatePolicy() throws GuacamoleException {
        String value = nonBlank(RDP_CERTIFICATE_POLICY, "tofu");
        return switch (value) {
            case "tofu" -> CertificatePolicy.trustOnFirstUse();
            case "ignore" -> CertificatePolicy.ignore();
            case "fingerprints" -> CertificatePolicy.fingerprints(optional(RDP_CERT_FINGERPRINTS).orElseThrow(
                    () -> new GuacamoleServerException("heps-rdp-certificate-policy is \"fingerprints\" but "
                            + "heps-rdp-cert-fingerprints is not set: list the trusted SHA-256 fingerprints, "
                            + "comma-separated")));
            default -> throw invalid(RDP_CERTIFICATE_POLICY, value, "\"tofu\", \"fingerprints\" or \"ignore\"");
        };
    }

    public boolean isRdpAudioInputEnabled() throws GuacamoleException {
        return environment.getProperty(RDP_AUDIO_INPUT, false);
    }

    /** Site overrides for RDP parameters, applied last. */
    public Map<String, String> getRdpParameterOverrides() throws GuacamoleException {
        return overrides(RDP_PARAMETERS);
    }

    public int getVncPort() throws GuacamoleException {
        return port(VNC_PORT, 5900);
    }

    /**
     * The site secret behind every VNC password; the agent derives the same password from it
     * when it creates the VM. Required as soon as a VNC desktop is opened.
     */
    public String getVncSecret() throws GuacamoleException {
        return optional(VNC_SECRET).orElseThrow(() -> new GuacamoleServerException(
                "heps-vnc-secret is not set: VNC desktops cannot be opened without the site secret "
                        + "the provisioning agent uses for VNC passwords"));
    }

    public String getVncEncodings() throws GuacamoleException {
        return nonBlank(VNC_ENCODINGS, DEFAULT_VNC_ENCODINGS);
    }

    public Optional<Integer> getVncQualityLevel() throws GuacamoleException {
        return level(VNC_QUALITY_LEVEL);
    }

    public Optional<Integer> getVncCompressLevel() throws GuacamoleException {
        return level(VNC_COMPRESS_LEVEL);
    }

    /** {@code heps-vnc-color-depth}, 24 unless a site says otherwise. */
    public int getVncColorDepth() throws GuacamoleException {
        int value = environment.getProperty(VNC_COLOR_DEPTH, DEFAULT_VNC_COLOR_DEPTH);
        if (!Set.of(8, 16, 24, 32).contains(value)) {
            throw invalid(VNC_COLOR_DEPTH, Integer.toString(value), "8, 16, 24 or 32");
        }
        return value;
    }

    public Map<String, String> getVncParameterOverrides() throws GuacamoleException {
        return overrides(VNC_PARAMETERS);
    }

    /**
     * Where the provisioning agent's API is, for the activity reports; empty when the site does
     * not report (then no session is ever disconnected for lack of input, and the agent shelves
     * no desktop for want of connections).
     */
    public Optional<URI> getAgentUrl() throws GuacamoleException {
        Optional<String> value = optional(AGENT_URL);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(value.get());
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw invalid(AGENT_URL, value.get(), "an http:// or https:// URL such as http://agent:8640");
            }
            return Optional.of(uri);
        } catch (URISyntaxException e) {
            throw invalid(AGENT_URL, value.get(), "an http:// or https:// URL such as http://agent:8640");
        }
    }

    /** The bearer token of the activity reports: one of the agent's {@code activity-tokens}. */
    public String getAgentToken() throws GuacamoleException {
        return required(AGENT_TOKEN, "when heps-agent-url is set");
    }

    public Duration getAgentReportInterval() throws GuacamoleException {
        return Duration.ofSeconds(positive(AGENT_REPORT_INTERVAL, DEFAULT_AGENT_REPORT_INTERVAL_SECONDS));
    }

    /** How long a report may take, connecting included, before it is given up and tried again later. */
    public Duration getAgentTimeout() throws GuacamoleException {
        return Duration.ofSeconds(positive(AGENT_TIMEOUT, DEFAULT_AGENT_TIMEOUT_SECONDS));
    }

    /** How many connection events wait for the agent at most; beyond that the oldest are dropped. */
    public int getAgentQueue() throws GuacamoleException {
        return positive(AGENT_QUEUE, DEFAULT_AGENT_QUEUE);
    }

    /** This Guacamole node's name in the reports; the host name unless set. */
    public String getNodeName() throws GuacamoleException {
        Optional<String> name = optional(NODE_NAME);
        if (name.isPresent()) {
            return name.get();
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "guacamole";
        }
    }

    /**
     * Where and how sessions are recorded; empty when {@code heps-recording-path} is not set,
     * and then no session is. A {@code heps-recording} that turns recording on for a beamline
     * without a path is refused: a site that must audit would otherwise record nothing.
     */
    public Optional<RecordingSettings> getRecordingSettings() throws GuacamoleException {
        Optional<String> explicitRule = optional(RECORDING);
        RecordingRule rule;
        try {
            rule = RecordingRule.parse(explicitRule.orElse(DEFAULT_RECORDING));
        } catch (IllegalArgumentException e) {
            throw new GuacamoleServerException("Property " + RECORDING.getName() + " is unusable: " + e.getMessage());
        }
        Optional<String> path = optional(RECORDING_PATH);
        if (path.isEmpty()) {
            if (explicitRule.isPresent() && rule.recordsAny()) {
                throw new GuacamoleServerException("Property " + RECORDING.getName() + " turns recording on (\""
                        + explicitRule.get() + "\") but " + RECORDING_PATH.getName()
                        + " is not set: set where the recordings go, or write \"off\"");
            }
            return Optional.empty();
        }
        java.nio.file.Path root = absolute(RECORDING_PATH, path.get());
        java.nio.file.Path searchPath = absolute(RECORDING_SEARCH_PATH,
                nonBlank(RECORDING_SEARCH_PATH, DEFAULT_RECORDING_SEARCH_PATH));
        int retentionDays = positive(RECORDING_RETENTION_DAYS, DEFAULT_RECORDING_RETENTION_DAYS);
        return Optional.of(new RecordingSettings(root, searchPath, rule, Duration.ofDays(retentionDays),
                environment.getProperty(RECORDING_INCLUDE_KEYS, false),
                environment.getProperty(RECORDING_EXCLUDE_MOUSE, false)));
    }

    /** {@code heps-recording-name}, which is no longer used, when a site still sets it. */
    public Optional<String> getObsoleteRecordingName() throws GuacamoleException {
        return optional(RECORDING_NAME);
    }

    /** Groups whose members see every recorded session in Guacamole's history and may play it back. */
    public Set<String> getAuditorGroups() throws GuacamoleException {
        Optional<String> raw = optional(AUDITOR_GROUPS);
        if (raw.isEmpty()) {
            return Set.of();
        }
        Set<String> groups = new java.util.LinkedHashSet<>();
        for (String group : raw.get().split(",")) {
            if (!group.isBlank()) {
                groups.add(group.trim());
            }
        }
        return Set.copyOf(groups);
    }

    /** Whether desktop sessions offer Guacamole's share links (view-only and full control). */
    public boolean isSharingEnabled() throws GuacamoleException {
        return environment.getProperty(SHARING_ENABLED, true);
    }

    /**
     * {@code heps-support-groups}: directory groups of support staff, {@code <group>} for every
     * beamline or {@code <beamline>=<group>}, comma-separated; none unless a site sets it.
     */
    public SupportGroups getSupportGroups() throws GuacamoleException {
        Optional<String> value = optional(SUPPORT_GROUPS);
        try {
            return value.isEmpty() ? SupportGroups.NONE : SupportGroups.parse(value.get(), getCaseSensitivity());
        } catch (IllegalArgumentException e) {
            throw new GuacamoleServerException("Property " + SUPPORT_GROUPS.getName() + ": " + e.getMessage()
                    + "; expected comma-separated entries such as \"heps-support, nanoprobe=nanoprobe-staff\"");
        }
    }

    /** {@code heps-site-contact}: whom a user asks when their beamtime has ended, in the message they see. */
    public String getSiteContact() throws GuacamoleException {
        return nonBlank(SITE_CONTACT, DEFAULT_SITE_CONTACT);
    }

    /** Guacamole's own {@code case-sensitivity}: how usernames and group names compare. */
    public org.apache.guacamole.properties.CaseSensitivity getCaseSensitivity() {
        return environment.getCaseSensitivity();
    }

    /** Where guacd is: Guacamole's own {@code guacd-hostname} / {@code guacd-port} / {@code guacd-ssl}. */
    public GuacamoleProxyConfiguration getGuacdProxyConfiguration() throws GuacamoleException {
        return environment.getDefaultGuacamoleProxyConfiguration();
    }

    // Helpers

    private void put(Map<String, String> settings, String key, StringGuacamoleProperty property)
            throws GuacamoleException {
        optional(property).ifPresent(value -> settings.put(key, value));
    }

    private Optional<String> optional(StringGuacamoleProperty property) throws GuacamoleException {
        String value = environment.getProperty(property);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    private static java.nio.file.Path absolute(StringGuacamoleProperty property, String value)
            throws GuacamoleServerException {
        java.nio.file.Path path;
        try {
            path = java.nio.file.Path.of(value);
        } catch (java.nio.file.InvalidPathException e) {
            throw invalid(property, value, "an absolute directory path");
        }
        if (!path.isAbsolute()) {
            throw invalid(property, value, "an absolute directory path (guacd writes there too)");
        }
        return path.normalize();
    }

    private String required(StringGuacamoleProperty property, String why) throws GuacamoleException {
        return optional(property).orElseThrow(() -> new GuacamoleServerException(
                "Property " + property.getName() + " is required " + why + "."));
    }

    private String nonBlank(StringGuacamoleProperty property, String defaultValue) throws GuacamoleException {
        return optional(property).orElse(defaultValue);
    }

    private int positive(IntegerGuacamoleProperty property, int defaultValue) throws GuacamoleException {
        int value = environment.getProperty(property, defaultValue);
        if (value <= 0) {
            throw invalid(property, Integer.toString(value), "a positive number");
        }
        return value;
    }

    private int nonNegative(IntegerGuacamoleProperty property, int defaultValue) throws GuacamoleException {
        int value = environment.getProperty(property, defaultValue);
        if (value < 0) {
            throw invalid(property, Integer.toString(value), "zero or a positive number");
        }
        return value;
    }

    private int port(IntegerGuacamoleProperty property, int defaultValue) throws GuacamoleException {
        int value = environment.getProperty(property, defaultValue);
        if (value < 1 || value > 65535) {
            throw invalid(property, Integer.toString(value), "a TCP port (1-65535)");
        }
        return value;
    }

    private Optional<Integer> level(IntegerGuacamoleProperty property) throws GuacamoleException {
        Integer value = environment.getProperty(property);
        if (value != null && (value < 0 || value > 9)) {
            throw invalid(property, value.toString(), "a level from 0 to 9");
        }
        return Optional.ofNullable(value);
    }

    /** Parses {@code name=value} pairs separated by {@code ;} or new lines. */
    private Map<String, String> overrides(StringGuacamoleProperty property) throws GuacamoleException {
        Map<String, String> parameters = new LinkedHashMap<>();
        Optional<String> raw = optional(property);
        if (raw.isEmpty()) {
            return parameters;
        }
        for (String pair : raw.get().split("[;\\n]")) {
            if (pair.isBlank()) {
                continue;
            }
            int equals = pair.indexOf('=');
            if (equals <= 0) {
                throw invalid(property, pair.trim(), "name=value pairs separated by ';'");
            }
            String name = pair.substring(0, equals).trim();
            if (DERIVED_PARAMETERS.contains(name)) {
                throw new GuacamoleServerException(property.getName() + " may not set \"" + name
                        + "\": it comes from the desktop VM itself");
            }
            parameters.put(name, pair.substring(equals + 1).trim());
        }
        return parameters;
    }

    private static GuacamoleServerException invalid(org.apache.guacamole.properties.GuacamoleProperty<?> property,
            String value, String expected) {
        return new GuacamoleServerException("Property " + property.getName() + " has the value \"" + value
                + "\"; expected " + expected);
    }

    private static StringGuacamoleProperty string(String name) {
        return new StringGuacamoleProperty() {
            @Override
            public String getName() {
                return name;
            }
        };
    }

    private static IntegerGuacamoleProperty integer(String name) {
        return new IntegerGuacamoleProperty() {
            @Override
            public String getName() {
                return name;
            }
        };
    }

    private static BooleanGuacamoleProperty bool(String name) {
        return new BooleanGuacamoleProperty() {
            @Override
            public String getName() {
                return name;
            }
        };
    }
}
