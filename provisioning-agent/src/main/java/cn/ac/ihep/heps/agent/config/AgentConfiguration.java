package cn.ac.ihep.heps.agent.config;

import cn.ac.ihep.heps.agent.firewall.DesktopAccess;
import cn.ac.ihep.heps.agent.idle.IdleSettings;
import cn.ac.ihep.heps.common.cloud.IpNetwork;
import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * Owns every setting of the agent and the CLI. Values come from, in order of precedence,
 * {@code HEPS_*} environment variables, the properties file ({@code --config},
 * {@code HEPS_CONFIG}, or {@code ~/.heps/agent.properties} when it exists), and defaults.
 * A {@code -file} variant of a secret reads the secret from that file (Docker secrets).
 * OpenStack credentials are not here: they come from {@code clouds.yaml} / {@code OS_*}.
 */
public final class AgentConfiguration {

    public static final Setting DATABASE_URL = new Setting("database-url", "",
            false, "JDBC URL of the agent's database. Empty: an embedded H2 file database in the home directory.");
    public static final Setting DATABASE_USER = new Setting("database-user", "",
            false, "Database user (PostgreSQL).");
    public static final Setting DATABASE_PASSWORD = new Setting("database-password", "",
            true, "Database password; or database-password-file.");
    public static final Setting HOME = new Setting("home", System.getProperty("user.home") + "/.heps",
            false, "Directory for the embedded database and local state; made 0700, the database files in it 0600.");
    public static final Setting AGENT_ID = new Setting("agent-id", "",
            false, "Name of this agent instance in claims and the audit log. Empty: the host name.");
    public static final Setting API_LISTEN = new Setting("api-listen", "127.0.0.1:8640",
            false, "Address and port of the HTTP API (port 0 picks a free one).");
    public static final Setting API_TOKENS = new Setting("api-tokens", "",
            true, "Comma-separated bearer tokens accepted by the API; or api-tokens-file (one per line).");
    public static final Setting ACTIVITY_TOKENS = new Setting("activity-tokens", "",
            true, "Comma-separated bearer tokens the Guacamole nodes report desktop activity with (heps-agent-token "
                    + "of the VM resolver), accepted only on POST /v1/desktop-activity; or activity-tokens-file. "
                    + "That route also accepts api-tokens.");
    public static final Setting CREDENTIAL_TOKENS = new Setting("credential-tokens", "",
            true, "Comma-separated bearer tokens the Guacamole nodes fetch an RDP desktop owner's AD sign-in with "
                    + "(heps-agent-credential-token of the VM resolver), accepted only on POST /v1/desktop-sign-in, "
                    + "which accepts no other token; or credential-tokens-file. Empty: no node gets a sign-in.");
    public static final Setting API_TLS_KEYSTORE = new Setting("api-tls-keystore", "",
            false, "PKCS#12 keystore with the API's TLS certificate. Empty: plain HTTP (bind to loopback only).");
    public static final Setting API_TLS_KEYSTORE_PASSWORD = new Setting("api-tls-keystore-password", "",
            true, "Password of api-tls-keystore; or api-tls-keystore-password-file.");
    public static final Setting API_TLS_CLIENT_CA = new Setting("api-tls-client-ca", "",
            false, "PKCS#12 truststore of client CAs. When set, the API requires client certificates (mutual TLS).");
    public static final Setting API_REQUEST_TIMEOUT = new Setting("api-request-timeout", "PT10S",
            false, "A client must send a request's headers within this of connecting, and its body within this of "
                    + "its headers, or it is disconnected (ISO-8601 duration).");
    public static final Setting API_IDLE_TIMEOUT = new Setting("api-idle-timeout", "PT30S",
            false, "How long a kept-alive API connection may sit idle before it is closed (ISO-8601 duration).");
    public static final Setting API_MAX_CONNECTIONS = new Setting("api-max-connections", "512",
            false, "Open API connections at most; further clients wait to be accepted.");
    public static final Setting API_MAX_CONNECTIONS_PER_ADDRESS = new Setting("api-max-connections-per-address", "32",
            false, "Open API connections at most from one client address; more are closed at once.");
    public static final Setting API_MAX_CONCURRENT_REQUESTS = new Setting("api-max-concurrent-requests", "32",
            false, "API requests handled at once; further ones wait in a queue.");
    public static final Setting API_MAX_QUEUED_REQUESTS = new Setting("api-max-queued-requests", "256",
            false, "API requests that may wait (each at most api-request-timeout); beyond that the answer is 503.");
    public static final Setting AGENT_URL = new Setting("agent-url", "",
            false, "URL at which desktop VMs reach the agent's API (for their one-time enrollment: the VNC secret, "
                    + "the domain join). Empty: http://<api-listen>.");
    public static final Setting ENROLLMENT_CHECK_ADDRESS = new Setting("enrollment-check-address", "true",
            false, "Hand a VM its VNC password and domain join only when the request comes from the VM's own fixed "
                    + "address (turn off when VMs reach the agent through NAT).");
    public static final Setting RECONCILE_INTERVAL = new Setting("reconcile-interval", "PT30S",
            false, "Time between reconcile passes (ISO-8601 duration).");
    public static final Setting START_LEAD_TIME = new Setting("start-lead-time", "PT30M",
            false, "How long before an experiment window opens its desktops are created and started.");
    public static final Setting RETENTION = new Setting("retention", "P7D",
            false, "How long a shelved desktop is kept after its window ends before it is deleted.");
    public static final Setting NOTIFY_AHEAD = new Setting("notify-ahead", "PT15M",
            false, "How long before a start, shelve or delete a notification is sent.");
    public static final Setting CLAIM_DURATION = new Setting("claim-duration", "PT5M",
            false, "How long an agent's claim on a desktop it is creating lasts; another agent waits that long.");
    public static final Setting WEBHOOK_URL = new Setting("webhook-url", "",
            false, "URL that receives a JSON POST before each start, shelve and delete. Empty: log only.");
    public static final Setting MAX_CREATES_PER_PASS = new Setting("max-creates-per-pass", "25",
            false, "Desktop VMs one reconcile pass may ask Nova to create; the others are created in the next passes.");
    public static final Setting IDLE_DISCONNECT_AFTER = new Setting("idle-disconnect-after",
            IdleSettings.DEFAULT_DISCONNECT_AFTER, false, "Close a desktop session after this long without mouse or "
                    + "keyboard input (the user is warned 5 minutes ahead; the desktop keeps running): off or an "
                    + "ISO-8601 duration, then per beamline, e.g. 'off, high-pressure=PT1H'. An experiment may set "
                    + "its own (desktop.idle.disconnectAfter).");
    public static final Setting IDLE_SHELVE_AFTER = new Setting("idle-shelve-after",
            IdleSettings.DEFAULT_SHELVE_AFTER, false, "Shelve a GPU desktop after this long with no connection "
                    + "(its GPUs go back, its disk is kept, the next login wakes it; what was not saved is lost): "
                    + "off or a duration, then per beamline, e.g. 'PT2H, nanoprobe=PT4H'. An experiment may set its "
                    + "own (desktop.idle.shelveAfter).");
    public static final Setting IDLE_SHELVE_AFTER_WITHOUT_GPU = new Setting("idle-shelve-after-without-gpu",
            IdleSettings.DEFAULT_SHELVE_AFTER_WITHOUT_GPU, false, "The same for desktops without GPUs.");
    public static final Setting IDLE_REPORT_TIMEOUT = new Setting("idle-report-timeout", "PT2M",
            false, "A Guacamole node that has not reported desktop activity for this long stops all idle shelving "
                    + "until it reports again (a node silent for a day is forgotten).");
    public static final Setting BEAMLINES = new Setting("beamlines", "",
            false, "Comma-separated ids of the beamlines experiments may name (the ids of images/beamlines/*.yaml, e.g. hard-xray-imaging,high-pressure).");
    public static final Setting VM_NETWORK = new Setting("vm-network", "heps-vm-network",
            false, "Network that gives desktop VMs their fixed address.");
    public static final Setting GUACD_CIDRS = new Setting("guacd-cidrs", "",
            false, "Comma-separated networks (CIDRs, at most 32, e.g. 10.0.5.20/32) guacd connects to desktops from. "
                    + "Every desktop is in the security group heps-desktop, which admits VNC (5900) and RDP (3389) "
                    + "from these only; the agent keeps its rules as this says. Whatever makes desktops needs it "
                    + "(agent serve, agent reconcile, desktops create).");
    public static final Setting GPU_RESOURCE_CLASS = new Setting("gpu-resource-class", "",
            false, "Placement resource class GPUs are counted in. Empty: the class the inventory reports "
                    + "(when there is exactly one).");
    public static final Setting OPENSTACK_CONNECT_TIMEOUT = new Setting("openstack-connect-timeout", "PT10S",
            false, "How long a call to OpenStack waits to connect (ISO-8601 duration).");
    public static final Setting OPENSTACK_READ_TIMEOUT = new Setting("openstack-read-timeout", "PT60S",
            false, "How long a call to OpenStack waits for its answer (ISO-8601 duration).");
    public static final Setting VNC_SITE_SECRET = new Setting("vnc-site-secret", "",
            true, "Site secret for per-VM VNC passwords (the same value the VM resolver uses); "
                    + "or vnc-site-secret-file.");
    public static final Setting AD_DOMAIN = new Setting("ad-domain", "",
            false, "Active Directory domain desktops join. Empty: no domain join.");
    public static final Setting AD_COMPUTER_OU = new Setting("ad-computer-ou", "",
            false, "OU in which the desktops' computer accounts are pre-staged.");
    public static final Setting STORAGE_MOUNTS = new Setting("storage-mounts", "",
            false, "Semicolon-separated mounts 'source mountpoint fstype options'; {beamline}, {experiment} and "
                    + "{user} are replaced.");
    public static final Setting USERDATA_TEMPLATE_DIR = new Setting("userdata-template-dir", "",
            false, "Directory with linux.tmpl / windows.tmpl overriding the built-in user data templates.");
    public static final Setting LDAP_URL = new Setting("ldap-url", "",
            false, "LDAP server in which experiment members get posixAccount entries (ldap:// or ldaps://). "
                    + "Empty: no LDAP accounts.");
    public static final Setting LDAP_BIND_DN = new Setting("ldap-bind-dn", "",
            false, "DN the agent binds as to write LDAP accounts and groups.");
    public static final Setting LDAP_BIND_PASSWORD = new Setting("ldap-bind-password", "",
            true, "Password of ldap-bind-dn; or ldap-bind-password-file.");
    public static final Setting LDAP_PEOPLE_DN = new Setting("ldap-people-dn", "",
            false, "LDAP subtree of the accounts (uid=<user> entries), e.g. ou=people,dc=heps,dc=example.");
    public static final Setting LDAP_GROUPS_DN = new Setting("ldap-groups-dn", "",
            false, "LDAP subtree of the experiment groups (posixGroup cn=<group>), e.g. ou=groups,dc=heps,dc=example.");
    public static final Setting LDAP_CA_FILE = new Setting("ldap-ca-file", "",
            false, "PEM file of the CA that signed the LDAP server's certificate (ldaps://). Empty: the JVM's trust store. "
                    + "The certificate must also name the URL's host (an address URL: that address).");
    public static final Setting AD_URL = new Setting("ad-url", "",
            false, "Active Directory domain controller in which experiment members get user accounts; ldaps:// "
                    + "only (AD sets passwords over TLS only). Empty: no AD accounts.");
    public static final Setting AD_BIND_DN = new Setting("ad-bind-dn", "",
            false, "DN the agent binds as to write AD users and groups (allowed to create users and reset passwords).");
    public static final Setting AD_BIND_PASSWORD = new Setting("ad-bind-password", "",
            true, "Password of ad-bind-dn; or ad-bind-password-file.");
    public static final Setting AD_USERS_DN = new Setting("ad-users-dn", "",
            false, "AD container or OU in which new users are created, e.g. OU=HEPS Users,DC=ad,DC=example.");
    public static final Setting AD_GROUPS_DN = new Setting("ad-groups-dn", "",
            false, "AD container or OU in which the experiment groups are created.");
    public static final Setting AD_UPN_SUFFIX = new Setting("ad-upn-suffix", "",
            false, "userPrincipalName suffix of new AD users (<user>@<suffix>). Empty: the domain of ad-users-dn's DC= parts.");
    public static final Setting AD_CA_FILE = new Setting("ad-ca-file", "",
            false, "PEM file of the CA that signed the domain controller's certificate. Empty: the JVM's trust store. "
                    + "The certificate must also name the URL's host (an address URL: that address).");
    public static final Setting SSO_ENABLED = new Setting("sso-enabled", "true",
            false, "RDP single sign-on: the agent owns the passwords of the AD accounts it creates (long, random, "
                    + "sealed under sso-key-file, changed after each session and every sso-password-max-age) and "
                    + "hands an owner's to the Guacamole node opening their RDP desktop. false: those passwords stay "
                    + "random and known to nobody, and RDP asks for one (see docs/operations.md).");
    public static final Setting SSO_KEY_FILE = new Setting("sso-key-file", "",
            false, "File with the site key (AES-256) that seals the sign-in and one-time computer passwords in the "
                    + "database; made 0600 when missing, refused when others may read it. Every agent and CLI of a "
                    + "site needs the same file. Empty: sso-key in the home directory.");
    public static final Setting SSO_PASSWORD_MAX_AGE = new Setting("sso-password-max-age", "PT1H",
            false, "A sign-in password is changed at least this often, while no session of its owner is open "
                    + "(ISO-8601 duration); it is also changed after each session ends.");
    public static final Setting SSO_ROTATION_CHECK_INTERVAL = new Setting("sso-rotation-check-interval", "PT10S",
            false, "How often the agent looks for sign-in passwords due for a change (ISO-8601 duration).");
    public static final Setting SSO_ALLOW_PLAIN_HTTP = new Setting("sso-allow-plain-http", "false",
            false, "Give sign-ins over plain HTTP to clients that are not on loopback (only for a network nobody "
                    + "else can read, such as a test bed); otherwise POST /v1/desktop-sign-in needs HTTPS.");
    public static final Setting ACCOUNT_UID_RANGE = new Setting("account-uid-range", "20000-59999",
            false, "uidNumbers the agent hands out to new accounts (first-last); existing accounts keep theirs.");
    public static final Setting ACCOUNT_GID_RANGE = new Setting("account-gid-range", "60000-69999",
            false, "gidNumbers the agent hands out to new experiment groups (first-last).");
    public static final Setting ACCOUNT_PRIMARY_GID = new Setting("account-primary-gid", "100",
            false, "gidNumber of the primary group of new accounts (an existing site group such as users).");
    public static final Setting ACCOUNT_HOME_TEMPLATE = new Setting("account-home-template", "/home/{username}",
            false, "homeDirectory (LDAP) and unixHomeDirectory (AD) of new accounts; {username} is replaced.");
    public static final Setting ACCOUNT_SHELL = new Setting("account-shell", "/bin/bash",
            false, "loginShell of new accounts.");
    public static final Setting DIRECTORY_TIMEOUT = new Setting("directory-timeout", "PT10S",
            false, "How long a call to LDAP or AD waits to connect and for each answer (ISO-8601 duration).");
    public static final Setting ACCOUNT_CHECK_INTERVAL = new Setting("account-check-interval", "PT10M",
            false, "How often the directories are read when no member has changed, to catch changes made behind "
                    + "the agent's back (ISO-8601 duration). A change of members is acted on at the next pass.");
    public static final Setting TOKEN_KEY_FILE = new Setting("token-key-file", "",
            false, "Private key for 'heps token issue': a PKCS#8 PEM or a private JWK (EC P-256, Ed25519 or RSA).");
    public static final Setting TOKEN_KEY_ID = new Setting("token-key-id", "",
            false, "kid of the token key. Empty: the JWK's kid.");
    public static final Setting TOKEN_ISSUER = new Setting("token-issuer", "heps-portal",
            false, "iss of issued tokens (heps-jwt-issuer of guacamole-auth-heps).");
    public static final Setting TOKEN_AUDIENCE = new Setting("token-audience", "heps-guacamole",
            false, "aud of issued tokens (heps-jwt-audience of guacamole-auth-heps).");
    public static final Setting TOKEN_LIFETIME = new Setting("token-lifetime", "PT2M",
            false, "Lifetime of issued tokens; at most heps-jwt-max-lifetime (120 s by default).");
    public static final Setting GUACAMOLE_URL = new Setting("guacamole-url", "http://127.0.0.1:8080/guacamole/",
            false, "Guacamole URL to which portal URLs with a fresh token point.");

    /** Every setting, in the order of the README table. */
    public static final List<Setting> ALL = List.of(
            DATABASE_URL, DATABASE_USER, DATABASE_PASSWORD, HOME, AGENT_ID,
            API_LISTEN, API_TOKENS, ACTIVITY_TOKENS, CREDENTIAL_TOKENS, API_TLS_KEYSTORE, API_TLS_KEYSTORE_PASSWORD, API_TLS_CLIENT_CA,
            API_REQUEST_TIMEOUT, API_IDLE_TIMEOUT, API_MAX_CONNECTIONS, API_MAX_CONNECTIONS_PER_ADDRESS,
            API_MAX_CONCURRENT_REQUESTS, API_MAX_QUEUED_REQUESTS, AGENT_URL,
            ENROLLMENT_CHECK_ADDRESS, RECONCILE_INTERVAL, MAX_CREATES_PER_PASS, START_LEAD_TIME, RETENTION, NOTIFY_AHEAD, CLAIM_DURATION, WEBHOOK_URL,
            IDLE_DISCONNECT_AFTER, IDLE_SHELVE_AFTER, IDLE_SHELVE_AFTER_WITHOUT_GPU, IDLE_REPORT_TIMEOUT,
            BEAMLINES, VM_NETWORK, GUACD_CIDRS, GPU_RESOURCE_CLASS, OPENSTACK_CONNECT_TIMEOUT, OPENSTACK_READ_TIMEOUT,
            VNC_SITE_SECRET,
            AD_DOMAIN, AD_COMPUTER_OU, STORAGE_MOUNTS, USERDATA_TEMPLATE_DIR,
            LDAP_URL, LDAP_BIND_DN, LDAP_BIND_PASSWORD, LDAP_PEOPLE_DN, LDAP_GROUPS_DN, LDAP_CA_FILE,
            AD_URL, AD_BIND_DN, AD_BIND_PASSWORD, AD_USERS_DN, AD_GROUPS_DN, AD_UPN_SUFFIX, AD_CA_FILE,
            SSO_ENABLED, SSO_KEY_FILE, SSO_PASSWORD_MAX_AGE, SSO_ROTATION_CHECK_INTERVAL, SSO_ALLOW_PLAIN_HTTP,
            ACCOUNT_UID_RANGE, ACCOUNT_GID_RANGE, ACCOUNT_PRIMARY_GID, ACCOUNT_HOME_TEMPLATE, ACCOUNT_SHELL,
            DIRECTORY_TIMEOUT, ACCOUNT_CHECK_INTERVAL,
            TOKEN_KEY_FILE, TOKEN_KEY_ID, TOKEN_ISSUER, TOKEN_AUDIENCE, TOKEN_LIFETIME, GUACAMOLE_URL);

    private final Map<String, String> fileValues;
    private final Map<String, String> environment;
    private final String source;

    AgentConfiguration(Map<String, String> fileValues, Map<String, String> environment, String source) {
        this.fileValues = Map.copyOf(fileValues);
        this.environment = Map.copyOf(environment);
        this.source = source;
    }

    /** Loads from the given file (or HEPS_CONFIG, or ~/.heps/agent.properties) and the process environment. */
    public static AgentConfiguration load(Path explicitFile) {
        return load(explicitFile, System.getenv());
    }

    public static AgentConfiguration load(Path explicitFile, Map<String, String> environment) {
        Path file = explicitFile;
        if (file == null && environment.get("HEPS_CONFIG") != null && !environment.get("HEPS_CONFIG").isBlank()) {
            file = Path.of(environment.get("HEPS_CONFIG"));
        }
        if (file == null) {
            Path fallback = Path.of(System.getProperty("user.home"), ".heps", "agent.properties");
            file = Files.isRegularFile(fallback) ? fallback : null;
        }
        if (file == null) {
            return new AgentConfiguration(Map.of(), environment, "environment and defaults");
        }
        if (!Files.isRegularFile(file)) {
            throw new ConfigurationException("The configuration file " + file + " does not exist: "
                    + "pass an existing file with --config or HEPS_CONFIG");
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigurationException("Cannot read the configuration file " + file + ": " + e.getMessage());
        }
        Map<String, String> values = new HashMap<>();
        Set<String> known = new LinkedHashSet<>();
        for (Setting setting : ALL) {
            known.add(setting.property());
            known.add(setting.property() + "-file");
        }
        List<String> unknown = new ArrayList<>();
        for (String name : properties.stringPropertyNames()) {
            if (!known.contains(name)) {
                unknown.add(name);
            }
            values.put(name, properties.getProperty(name).trim());
        }
        if (!unknown.isEmpty()) {
            throw new ConfigurationException("Unknown settings in " + file + ": " + unknown
                    + " (see provisioning-agent/README.md for the list)");
        }
        return new AgentConfiguration(values, environment, file.toString());
    }

    /** Builds a configuration from explicit values only; for tests and embedding. */
    public static AgentConfiguration of(Map<String, String> values) {
        return new AgentConfiguration(values, Map.of(), "explicit values");
    }

    public String source() {
        return source;
    }

    /** The raw value: environment, then file, then a {@code -file} secret, then the default. */
    public String value(Setting setting) {
        String fromEnvironment = environment.get(setting.environmentVariable());
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment.trim();
        }
        String fromFile = fileValues.get(setting.property());
        if (fromFile != null && !fromFile.isBlank()) {
            return fromFile;
        }
        String secretFile = environment.getOrDefault(setting.environmentVariable() + "_FILE",
                fileValues.get(setting.property() + "-file"));
        if (secretFile != null && !secretFile.isBlank()) {
            try {
                return Files.readString(Path.of(secretFile.trim()), StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new ConfigurationException("Cannot read " + setting.property() + "-file (" + secretFile
                        + "): " + e.getMessage());
            }
        }
        return setting.defaultValue();
    }

    /** The value for display: secrets masked. */
    public String displayValue(Setting setting) {
        String value = value(setting);
        return setting.secret() && !value.isEmpty() ? "******" : value;
    }

    private Optional<String> optional(Setting setting) {
        String value = value(setting);
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    private String required(Setting setting, String hint) {
        return optional(setting).orElseThrow(() -> new ConfigurationException(
                "The setting " + setting.property() + " (" + setting.environmentVariable() + ") is required: " + hint));
    }

    private Duration duration(Setting setting) {
        try {
            Duration duration = Duration.parse(value(setting));
            if (duration.isNegative()) {
                throw new ConfigurationException(setting.property() + " must not be negative");
            }
            return duration;
        } catch (DateTimeParseException e) {
            throw new ConfigurationException("The setting " + setting.property() + " (" + setting.environmentVariable()
                    + ") must be an ISO-8601 duration such as PT30S or P7D, not '" + value(setting) + "'");
        }
    }

    private Duration positiveDuration(Setting setting) {
        Duration duration = duration(setting);
        if (duration.isZero()) {
            throw new ConfigurationException("The setting " + setting.property() + " (" + setting.environmentVariable()
                    + ") must be longer than zero");
        }
        return duration;
    }

    private int positiveInt(Setting setting) {
        try {
            int number = Integer.parseInt(value(setting).trim());
            if (number > 0) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigurationException("The setting " + setting.property() + " (" + setting.environmentVariable()
                + ") must be a whole number above zero, not '" + value(setting) + "'");
    }

    private static List<String> list(String value, String separator) {
        return Arrays.stream(value.split(separator)).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    // Database

    public String databaseUrl() {
        return optional(DATABASE_URL).orElseGet(() ->
                "jdbc:h2:file:" + Path.of(value(HOME)).toAbsolutePath().resolve("agent")
                        + ";AUTO_SERVER=TRUE;WRITE_DELAY=0");
    }

    public String databaseUser() {
        return optional(DATABASE_USER).orElse(databaseUrl().startsWith("jdbc:h2:") ? "sa" : "");
    }

    public String databasePassword() {
        return value(DATABASE_PASSWORD);
    }

    public String agentId() {
        return optional(AGENT_ID).orElseGet(() -> {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                return "heps-agent";
            }
        });
    }

    // API

    public String apiListen() {
        return value(API_LISTEN);
    }

    public List<String> apiTokens() {
        String value = value(API_TOKENS);
        return list(value, value.contains("\n") ? "\n" : ",");
    }

    public List<String> activityTokens() {
        String value = value(ACTIVITY_TOKENS);
        return list(value, value.contains("\n") ? "\n" : ",");
    }

    public List<String> credentialTokens() {
        String value = value(CREDENTIAL_TOKENS);
        return list(value, value.contains("\n") ? "\n" : ",");
    }

    public Optional<Path> apiTlsKeystore() {
        return optional(API_TLS_KEYSTORE).map(Path::of);
    }

    public String apiTlsKeystorePassword() {
        return value(API_TLS_KEYSTORE_PASSWORD);
    }

    public Optional<Path> apiTlsClientCa() {
        return optional(API_TLS_CLIENT_CA).map(Path::of);
    }

    public Duration apiRequestTimeout() {
        return positiveDuration(API_REQUEST_TIMEOUT);
    }

    public Duration apiIdleTimeout() {
        return positiveDuration(API_IDLE_TIMEOUT);
    }

    public int apiMaxConnections() {
        return positiveInt(API_MAX_CONNECTIONS);
    }

    public int apiMaxConnectionsPerAddress() {
        return positiveInt(API_MAX_CONNECTIONS_PER_ADDRESS);
    }

    public int apiMaxConcurrentRequests() {
        return positiveInt(API_MAX_CONCURRENT_REQUESTS);
    }

    public int apiMaxQueuedRequests() {
        return positiveInt(API_MAX_QUEUED_REQUESTS);
    }

    public Optional<URI> agentUrl() {
        return optional(AGENT_URL).map(URI::create);
    }

    public boolean enrollmentChecksAddress() {
        return bool(ENROLLMENT_CHECK_ADDRESS);
    }

    private boolean bool(Setting setting) {
        String value = value(setting);
        if (!value.equals("true") && !value.equals("false")) {
            throw new ConfigurationException(setting.property() + " (" + setting.environmentVariable()
                    + ") must be true or false, not '" + value + "'");
        }
        return Boolean.parseBoolean(value);
    }

    // RDP single sign-on

    public boolean ssoEnabled() {
        return bool(SSO_ENABLED);
    }

    public Path ssoKeyFile() {
        return optional(SSO_KEY_FILE).map(Path::of).orElseGet(() -> Path.of(value(HOME)).resolve("sso-key"));
    }

    public Duration ssoPasswordMaxAge() {
        return positiveDuration(SSO_PASSWORD_MAX_AGE);
    }

    public Duration ssoRotationCheckInterval() {
        return positiveDuration(SSO_ROTATION_CHECK_INTERVAL);
    }

    public boolean ssoAllowPlainHttp() {
        return bool(SSO_ALLOW_PLAIN_HTTP);
    }

    // Reconcile

    public Duration reconcileInterval() {
        return duration(RECONCILE_INTERVAL);
    }

    public int maxCreatesPerPass() {
        return positiveInt(MAX_CREATES_PER_PASS);
    }

    public Duration startLeadTime() {
        return duration(START_LEAD_TIME);
    }

    public Duration retention() {
        return duration(RETENTION);
    }

    public Duration notifyAhead() {
        return duration(NOTIFY_AHEAD);
    }

    public Duration claimDuration() {
        return duration(CLAIM_DURATION);
    }

    public Optional<URI> webhookUrl() {
        return optional(WEBHOOK_URL).map(URI::create);
    }

    /** The idle limits per site and beamline; a bad value names its setting. */
    public IdleSettings idleSettings() {
        try {
            return IdleSettings.parse(value(IDLE_DISCONNECT_AFTER), value(IDLE_SHELVE_AFTER),
                    value(IDLE_SHELVE_AFTER_WITHOUT_GPU));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("The setting " + e.getMessage());
        }
    }

    public Duration idleReportTimeout() {
        return positiveDuration(IDLE_REPORT_TIMEOUT);
    }

    public List<String> beamlines() {
        return list(value(BEAMLINES), ",");
    }

    public String vmNetwork() {
        return value(VM_NETWORK);
    }

    /** Where guacd connects to desktops from; required wherever desktops are made. */
    public List<IpNetwork> guacdNetworks() {
        String value = required(GUACD_CIDRS, "the networks guacd connects to desktops from, e.g. 10.0.5.20/32 "
                + "(the desktops' VNC and RDP ports admit these only)");
        try {
            return DesktopAccess.parseGuacdNetworks(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("The setting " + GUACD_CIDRS.property() + " ("
                    + GUACD_CIDRS.environmentVariable() + "): " + e.getMessage());
        }
    }

    public Optional<String> gpuResourceClass() {
        return optional(GPU_RESOURCE_CLASS);
    }

    public Duration openStackConnectTimeout() {
        return positiveDuration(OPENSTACK_CONNECT_TIMEOUT);
    }

    public Duration openStackReadTimeout() {
        return positiveDuration(OPENSTACK_READ_TIMEOUT);
    }

    public String vncSiteSecret() {
        return required(VNC_SITE_SECRET, "set it to the same secret as the VM resolver's (at least 16 bytes)");
    }

    public Optional<String> adDomain() {
        return optional(AD_DOMAIN);
    }

    public Optional<String> adComputerOu() {
        return optional(AD_COMPUTER_OU);
    }

    /** Each entry: source, mount point, file system type, options. */
    public List<List<String>> storageMounts() {
        List<List<String>> mounts = new ArrayList<>();
        for (String entry : list(value(STORAGE_MOUNTS), ";")) {
            List<String> fields = list(entry, "\\s+");
            if (fields.size() != 4) {
                throw new ConfigurationException("Each storage-mounts entry needs 4 fields "
                        + "'source mountpoint fstype options', not '" + entry + "'");
            }
            mounts.add(fields);
        }
        return mounts;
    }

    public Optional<Path> userDataTemplateDir() {
        return optional(USERDATA_TEMPLATE_DIR).map(Path::of);
    }

    // Directory accounts

    /** The LDAP side of directory accounts; empty when ldap-url is empty. */
    public Optional<DirectoryServer> ldapAccounts() {
        return optional(LDAP_URL).map(url -> {
            requireScheme(LDAP_URL, url, "ldap://", "ldaps://");
            return new DirectoryServer(URI.create(url),
                    required(LDAP_BIND_DN, "the DN the agent binds as to write LDAP accounts"),
                    required(LDAP_BIND_PASSWORD, "the password of ldap-bind-dn (or ldap-bind-password-file)"),
                    required(LDAP_PEOPLE_DN, "the subtree of the LDAP accounts, e.g. ou=people,dc=heps,dc=example"),
                    required(LDAP_GROUPS_DN, "the subtree of the LDAP groups, e.g. ou=groups,dc=heps,dc=example"),
                    optional(LDAP_CA_FILE).map(Path::of), directoryTimeout());
        });
    }

    /** The Active Directory side of directory accounts; empty when ad-url is empty. */
    public Optional<DirectoryServer> adAccounts() {
        return optional(AD_URL).map(url -> {
            requireScheme(AD_URL, url, "ldaps://");
            return new DirectoryServer(URI.create(url),
                    required(AD_BIND_DN, "the DN the agent binds as to write AD users"),
                    required(AD_BIND_PASSWORD, "the password of ad-bind-dn (or ad-bind-password-file)"),
                    required(AD_USERS_DN, "the OU in which AD users are created"),
                    required(AD_GROUPS_DN, "the OU in which AD groups are created"),
                    optional(AD_CA_FILE).map(Path::of), directoryTimeout());
        });
    }

    private static void requireScheme(Setting setting, String url, String... schemes) {
        for (String scheme : schemes) {
            if (url.startsWith(scheme)) {
                return;
            }
        }
        throw new ConfigurationException("The setting " + setting.property() + " (" + setting.environmentVariable()
                + ") must start with " + String.join(" or ", schemes) + ", not '" + url + "'"
                + (setting == AD_URL ? " (AD accepts passwords over TLS only)" : ""));
    }

    /** The UPN suffix; by default the DNS domain spelled by the DC= parts of ad-users-dn. */
    public String adUpnSuffix() {
        return optional(AD_UPN_SUFFIX).orElseGet(() -> {
            List<String> parts = new ArrayList<>();
            for (String rdn : value(AD_USERS_DN).split(",")) {
                String trimmed = rdn.trim();
                if (trimmed.regionMatches(true, 0, "DC=", 0, 3)) {
                    parts.add(trimmed.substring(3));
                }
            }
            if (parts.isEmpty()) {
                throw new ConfigurationException("Set ad-upn-suffix (HEPS_AD_UPN_SUFFIX): ad-users-dn has no DC= parts");
            }
            return String.join(".", parts);
        });
    }

    public NumberRange accountUidRange() {
        return range(ACCOUNT_UID_RANGE);
    }

    public NumberRange accountGidRange() {
        return range(ACCOUNT_GID_RANGE);
    }

    public int accountPrimaryGid() {
        try {
            int gid = Integer.parseInt(value(ACCOUNT_PRIMARY_GID));
            if (gid < 0) {
                throw new NumberFormatException();
            }
            return gid;
        } catch (NumberFormatException e) {
            throw new ConfigurationException("The setting account-primary-gid (HEPS_ACCOUNT_PRIMARY_GID) must be a "
                    + "gidNumber (0 or more), not '" + value(ACCOUNT_PRIMARY_GID) + "'");
        }
    }

    public String accountHomeTemplate() {
        String template = value(ACCOUNT_HOME_TEMPLATE);
        if (!template.contains("{username}")) {
            throw new ConfigurationException("The setting account-home-template (HEPS_ACCOUNT_HOME_TEMPLATE) must "
                    + "contain {username}, not '" + template + "'");
        }
        return template;
    }

    public String accountShell() {
        return value(ACCOUNT_SHELL);
    }

    public Duration directoryTimeout() {
        return positiveDuration(DIRECTORY_TIMEOUT);
    }

    public Duration accountCheckInterval() {
        return positiveDuration(ACCOUNT_CHECK_INTERVAL);
    }

    private NumberRange range(Setting setting) {
        String value = value(setting);
        String[] bounds = value.split("-");
        try {
            if (bounds.length == 2) {
                int first = Integer.parseInt(bounds[0].trim());
                int last = Integer.parseInt(bounds[1].trim());
                if (first > 0 && first <= last) {
                    return new NumberRange(first, last);
                }
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        throw new ConfigurationException("The setting " + setting.property() + " (" + setting.environmentVariable()
                + ") must be a range first-last of positive numbers such as 20000-59999, not '" + value + "'");
    }

    // Tokens

    public Path tokenKeyFile() {
        return Path.of(required(TOKEN_KEY_FILE, "point it at the portal token signing key (PEM or JWK)"));
    }

    public Optional<String> tokenKeyId() {
        return optional(TOKEN_KEY_ID);
    }

    public String tokenIssuer() {
        return value(TOKEN_ISSUER);
    }

    public String tokenAudience() {
        return value(TOKEN_AUDIENCE);
    }

    public Duration tokenLifetime() {
        return duration(TOKEN_LIFETIME);
    }

    public String guacamoleUrl() {
        return value(GUACAMOLE_URL);
    }
}
