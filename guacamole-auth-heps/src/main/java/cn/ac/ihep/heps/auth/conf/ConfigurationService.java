package cn.ac.ihep.heps.auth.conf;

import com.google.inject.Inject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleServerException;
import org.apache.guacamole.environment.Environment;
import org.apache.guacamole.properties.BooleanGuacamoleProperty;
import org.apache.guacamole.properties.IntegerGuacamoleProperty;
import org.apache.guacamole.properties.StringGuacamoleProperty;

/**
 * Owns every {@code heps-*} property of this extension (CONTRACTS §1). Values come from
 * Guacamole's environment ({@code LocalEnvironment}), so each property can also be given as an
 * environment variable ({@code heps-jwt-issuer} → {@code HEPS_JWT_ISSUER}) when Guacamole runs
 * with {@code enable-environment-properties: true}. Nothing else in the extension reads
 * properties.
 */
public class ConfigurationService {

    public static final int MAX_TOKEN_BYTES = 8 * 1024;

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

    private static final StringGuacamoleProperty TOKEN_PARAMETER = string("heps-token-parameter");
    private static final StringGuacamoleProperty PORTAL_URL = string("heps-portal-url");

    private static final StringGuacamoleProperty JWT_ISSUER = string("heps-jwt-issuer");
    private static final StringGuacamoleProperty JWT_AUDIENCE = string("heps-jwt-audience");
    private static final StringGuacamoleProperty JWT_ALGORITHMS = string("heps-jwt-algorithms");
    private static final StringGuacamoleProperty JWT_SHARED_SECRET = string("heps-jwt-shared-secret");
    private static final IntegerGuacamoleProperty JWT_MAX_LIFETIME = integer("heps-jwt-max-lifetime");
    private static final IntegerGuacamoleProperty JWT_CLOCK_SKEW = integer("heps-jwt-clock-skew");
    private static final StringGuacamoleProperty JWT_KEYS = string("heps-jwt-keys");
    private static final StringGuacamoleProperty JWT_JWKS_URL = string("heps-jwt-jwks-url");
    private static final IntegerGuacamoleProperty JWT_JWKS_CACHE_SECONDS = integer("heps-jwt-jwks-cache-seconds");
    private static final IntegerGuacamoleProperty JWT_JWKS_MIN_REFRESH_SECONDS = integer("heps-jwt-jwks-min-refresh-seconds");
    private static final BooleanGuacamoleProperty JWT_TRUST_GROUPS = bool("heps-jwt-trust-groups");

    private static final StringGuacamoleProperty REPLAY_STORE = string("heps-replay-store");
    private static final StringGuacamoleProperty REDIS_URI = string("heps-redis-uri");
    private static final StringGuacamoleProperty REDIS_KEY_PREFIX = string("heps-redis-key-prefix");

    private static final StringGuacamoleProperty INTROSPECTION_URL = string("heps-introspection-url");
    private static final StringGuacamoleProperty INTROSPECTION_CLIENT_ID = string("heps-introspection-client-id");
    private static final StringGuacamoleProperty INTROSPECTION_CLIENT_SECRET = string("heps-introspection-client-secret");
    private static final IntegerGuacamoleProperty INTROSPECTION_TIMEOUT = integer("heps-introspection-timeout");
    private static final StringGuacamoleProperty INTROSPECTION_AUDIENCE = string("heps-introspection-audience");

    private static final StringGuacamoleProperty LDAP_URLS = string("heps-ldap-urls");
    private static final StringGuacamoleProperty LDAP_BIND_DN = string("heps-ldap-bind-dn");
    private static final StringGuacamoleProperty LDAP_BIND_PASSWORD = string("heps-ldap-bind-password");
    private static final StringGuacamoleProperty LDAP_USER_BASE_DN = string("heps-ldap-user-base-dn");
    private static final StringGuacamoleProperty LDAP_USERNAME_ATTRIBUTE = string("heps-ldap-username-attribute");
    private static final StringGuacamoleProperty LDAP_GROUP_BASE_DN = string("heps-ldap-group-base-dn");
    private static final StringGuacamoleProperty LDAP_DIRECTORY_TYPE = string("heps-ldap-directory-type");
    private static final IntegerGuacamoleProperty LDAP_POOL_SIZE = integer("heps-ldap-pool-size");
    private static final IntegerGuacamoleProperty LDAP_TIMEOUT = integer("heps-ldap-timeout");
    private static final StringGuacamoleProperty LDAP_CA_FILE = string("heps-ldap-ca-file");
    private static final StringGuacamoleProperty USERNAME_PATTERN = string("heps-username-pattern");

    /**
     * What the provisioning agent accepts as an experiment member: 1-48 ASCII letters, digits,
     * '.', '_' or '-', starting with a letter or digit.
     */
    public static final String DEFAULT_USERNAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,47}";

    private final Environment environment;

    @Inject
    public ConfigurationService(Environment environment) {
        this.environment = environment;
    }

    private Optional<String> optional(StringGuacamoleProperty property) throws GuacamoleException {
        String value = environment.getProperty(property);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    private String required(StringGuacamoleProperty property, String why) throws GuacamoleException {
        return optional(property).orElseThrow(() -> new GuacamoleServerException(
                "Property \"" + property.getName() + "\" is required " + why + "."));
    }

    private int positive(IntegerGuacamoleProperty property, int defaultValue) throws GuacamoleException {
        int value = environment.getProperty(property, defaultValue);
        if (value <= 0)
            throw new GuacamoleServerException("Property \"" + property.getName() + "\" must be a positive number, not " + value + ".");
        return value;
    }

    private static URI uri(StringGuacamoleProperty property, String value) throws GuacamoleException {
        try {
            URI uri = URI.create(value);
            if (uri.getScheme() == null || uri.getHost() == null)
                throw new IllegalArgumentException("not absolute");
            return uri;
        }
        catch (IllegalArgumentException e) {
            throw new GuacamoleServerException("Property \"" + property.getName() + "\" must be an absolute URL.", e);
        }
    }

    /** Query parameter carrying the portal token (default {@code heps_token}). */
    public String tokenParameter() throws GuacamoleException {
        String name = optional(TOKEN_PARAMETER).orElse("heps_token");
        if (name.equals("token"))
            throw new GuacamoleServerException("Property \"heps-token-parameter\" must not be \"token\": Guacamole uses that name for its own session token.");
        return name;
    }

    /** Where users without a token are sent. */
    public Optional<URI> portalUrl() throws GuacamoleException {
        Optional<String> value = optional(PORTAL_URL);
        return value.isEmpty() ? Optional.empty() : Optional.of(uri(PORTAL_URL, value.get()));
    }

    public String jwtIssuer() throws GuacamoleException {
        return required(JWT_ISSUER, "to check signed tokens");
    }

    public String jwtAudience() throws GuacamoleException {
        return required(JWT_AUDIENCE, "to check signed tokens");
    }

    /** Allowed {@code alg} values (default ES256, EdDSA, RS256); HS256 only with a shared secret. */
    public Set<String> jwtAlgorithms() throws GuacamoleException {
        String value = optional(JWT_ALGORITHMS).orElse("ES256,EdDSA,RS256");
        Set<String> algorithms = Arrays.stream(value.split("[,\\s]+"))
                .filter(s -> !s.isBlank()).collect(Collectors.toCollection(LinkedHashSet::new));
        if (algorithms.stream().anyMatch(a -> a.equalsIgnoreCase("none")))
            throw new GuacamoleServerException("Property \"heps-jwt-algorithms\" must not allow \"none\".");
        return Set.copyOf(algorithms);
    }

    /** The HS256 shared secret, at least 32 bytes, when one is configured. */
    public Optional<byte[]> jwtSharedSecret() throws GuacamoleException {
        Optional<String> value = optional(JWT_SHARED_SECRET);
        if (value.isEmpty())
            return Optional.empty();
        byte[] bytes = value.get().getBytes(StandardCharsets.UTF_8);
        if (bytes.length < 32)
            throw new GuacamoleServerException("Property \"heps-jwt-shared-secret\" must be at least 32 bytes long.");
        return Optional.of(bytes);
    }

    public Duration jwtMaxLifetime() throws GuacamoleException {
        return Duration.ofSeconds(positive(JWT_MAX_LIFETIME, 120));
    }

    public Duration jwtClockSkew() throws GuacamoleException {
        int value = environment.getProperty(JWT_CLOCK_SKEW, 30);
        if (value < 0)
            throw new GuacamoleServerException("Property \"heps-jwt-clock-skew\" must not be negative.");
        return Duration.ofSeconds(value);
    }

    public Optional<Path> jwtKeysFile() throws GuacamoleException {
        return optional(JWT_KEYS).map(Path::of);
    }

    public Optional<URI> jwksUrl() throws GuacamoleException {
        Optional<String> value = optional(JWT_JWKS_URL);
        return value.isEmpty() ? Optional.empty() : Optional.of(uri(JWT_JWKS_URL, value.get()));
    }

    public Duration jwksCacheLifetime() throws GuacamoleException {
        return Duration.ofSeconds(positive(JWT_JWKS_CACHE_SECONDS, 300));
    }

    public Duration jwksMinimumRefreshInterval() throws GuacamoleException {
        return Duration.ofSeconds(positive(JWT_JWKS_MIN_REFRESH_SECONDS, 30));
    }

    public boolean trustTokenGroups() throws GuacamoleException {
        return environment.getProperty(JWT_TRUST_GROUPS, false);
    }

    public ReplayStoreType replayStore() throws GuacamoleException {
        String value = optional(REPLAY_STORE).orElse("memory").toLowerCase(Locale.ROOT);
        return switch (value) {
            case "memory" -> ReplayStoreType.MEMORY;
            case "redis" -> ReplayStoreType.REDIS;
            default -> throw new GuacamoleServerException("Property \"heps-replay-store\" must be \"memory\" or \"redis\", not \"" + value + "\".");
        };
    }

    public URI redisUri() throws GuacamoleException {
        return uri(REDIS_URI, required(REDIS_URI, "when heps-replay-store is redis"));
    }

    public String redisKeyPrefix() throws GuacamoleException {
        return optional(REDIS_KEY_PREFIX).orElse("heps:auth:jti:");
    }

    public Optional<URI> introspectionUrl() throws GuacamoleException {
        Optional<String> value = optional(INTROSPECTION_URL);
        return value.isEmpty() ? Optional.empty() : Optional.of(uri(INTROSPECTION_URL, value.get()));
    }

    public String introspectionClientId() throws GuacamoleException {
        return required(INTROSPECTION_CLIENT_ID, "when heps-introspection-url is set");
    }

    public String introspectionClientSecret() throws GuacamoleException {
        return required(INTROSPECTION_CLIENT_SECRET, "when heps-introspection-url is set");
    }

    /**
     * Names an introspection answer's {@code aud} or {@code client_id} may carry: by default this
     * service's client id and {@code heps-jwt-audience}; {@code *} turns the check off.
     */
    public Set<String> introspectionAudience() throws GuacamoleException {
        Optional<String> value = optional(INTROSPECTION_AUDIENCE);
        if (value.isPresent())
            return value.get().equals("*") ? Set.of()
                    : Arrays.stream(value.get().split("[,\\s]+")).filter(s -> !s.isBlank()).collect(Collectors.toSet());
        Set<String> names = new LinkedHashSet<>();
        names.add(introspectionClientId());
        optional(JWT_AUDIENCE).ifPresent(names::add);
        return names;
    }

    public Duration introspectionTimeout() throws GuacamoleException {
        return Duration.ofMillis(positive(INTROSPECTION_TIMEOUT, 2000));
    }

    /** Directory servers, in failover order; empty when no directory enrichment is configured. */
    public List<String> ldapUrls() throws GuacamoleException {
        return optional(LDAP_URLS).map(v -> Arrays.stream(v.split("\\s+")).filter(s -> !s.isBlank()).toList())
                .orElse(List.of());
    }

    public Optional<String> ldapBindDn() throws GuacamoleException {
        return optional(LDAP_BIND_DN);
    }

    public Optional<String> ldapBindPassword() throws GuacamoleException {
        return optional(LDAP_BIND_PASSWORD);
    }

    public String ldapUserBaseDn() throws GuacamoleException {
        return required(LDAP_USER_BASE_DN, "when heps-ldap-urls is set");
    }

    public DirectoryType ldapDirectoryType() throws GuacamoleException {
        String value = optional(LDAP_DIRECTORY_TYPE).orElse("ldap").toLowerCase(Locale.ROOT);
        return switch (value) {
            case "ldap" -> DirectoryType.LDAP;
            case "ad" -> DirectoryType.ACTIVE_DIRECTORY;
            default -> throw new GuacamoleServerException("Property \"heps-ldap-directory-type\" must be \"ldap\" or \"ad\", not \"" + value + "\".");
        };
    }

    /** Default {@code uid}, or {@code sAMAccountName} for Active Directory. */
    public String ldapUsernameAttribute() throws GuacamoleException {
        return optional(LDAP_USERNAME_ATTRIBUTE).orElse(
                ldapDirectoryType() == DirectoryType.ACTIVE_DIRECTORY ? "sAMAccountName" : "uid");
    }

    /** Where groups are searched; the user base when not set. */
    public String ldapGroupBaseDn() throws GuacamoleException {
        Optional<String> value = optional(LDAP_GROUP_BASE_DN);
        return value.isPresent() ? value.get() : ldapUserBaseDn();
    }

    public int ldapPoolSize() throws GuacamoleException {
        return positive(LDAP_POOL_SIZE, 8);
    }

    public Duration ldapTimeout() throws GuacamoleException {
        return Duration.ofMillis(positive(LDAP_TIMEOUT, 2000));
    }

    /** A token's subject must match this whole, or the token is refused. */
    public Pattern usernamePattern() throws GuacamoleException {
        String value = optional(USERNAME_PATTERN).orElse(DEFAULT_USERNAME_PATTERN);
        try {
            return Pattern.compile(value);
        }
        catch (PatternSyntaxException e) {
            throw new GuacamoleServerException("Property \"heps-username-pattern\" is not a regular expression: "
                    + e.getDescription() + ".", e);
        }
    }

    /** PEM file of the CA that signed the directory servers' certificates; empty: the JVM's trust store. */
    public Optional<Path> ldapCaFile() throws GuacamoleException {
        return optional(LDAP_CA_FILE).map(Path::of);
    }
}
