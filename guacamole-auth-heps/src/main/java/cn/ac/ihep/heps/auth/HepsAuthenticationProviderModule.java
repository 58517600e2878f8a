package cn.ac.ihep.heps.auth;

import cn.ac.ihep.heps.auth.conf.ConfigurationService;
import cn.ac.ihep.heps.auth.conf.ReplayStoreType;
import cn.ac.ihep.heps.auth.directory.DirectoryService;
import cn.ac.ihep.heps.auth.replay.MemoryReplayStore;
import cn.ac.ihep.heps.auth.replay.RedisReplayStore;
import cn.ac.ihep.heps.auth.replay.ReplayStore;
import cn.ac.ihep.heps.auth.token.SignedTokenVerifier;
import cn.ac.ihep.heps.auth.token.TokenService;
import cn.ac.ihep.heps.auth.token.introspection.IntrospectionClient;
import cn.ac.ihep.heps.auth.token.keys.JwksFileKeySource;
import cn.ac.ihep.heps.auth.token.keys.JwksUrlKeySource;
import cn.ac.ihep.heps.auth.token.keys.KeySource;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.unboundid.ldap.sdk.LDAPException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleServerException;
import org.apache.guacamole.environment.Environment;
import org.apache.guacamole.environment.LocalEnvironment;
import org.apache.guacamole.net.auth.AuthenticationProvider;

/** Wires the extension: the environment, the configuration, and the parts built from it once. */
public class HepsAuthenticationProviderModule extends AbstractModule {

    private final AuthenticationProvider provider;
    private final Environment environment;

    public HepsAuthenticationProviderModule(AuthenticationProvider provider) {
        this(provider, LocalEnvironment.getInstance());
    }

    HepsAuthenticationProviderModule(AuthenticationProvider provider, Environment environment) {
        this.provider = provider;
        this.environment = environment;
    }

    @Override
    protected void configure() {
        bind(AuthenticationProvider.class).toInstance(provider);
        bind(Environment.class).toInstance(environment);
        bind(Clock.class).toInstance(Clock.systemUTC());
        bind(ConfigurationService.class).in(Singleton.class);
        bind(AuthenticationProviderService.class).in(Singleton.class);
    }

    @Provides
    @Singleton
    List<KeySource> keySources(ConfigurationService configuration, Clock clock) throws GuacamoleException {
        List<KeySource> sources = new ArrayList<>();
        configuration.jwtKeysFile().ifPresent(file -> sources.add(new JwksFileKeySource(file)));
        if (configuration.jwksUrl().isPresent())
            sources.add(new JwksUrlKeySource(configuration.jwksUrl().get(), configuration.jwksCacheLifetime(),
                    configuration.jwksMinimumRefreshInterval(), configuration.introspectionTimeout(), clock));
        return List.copyOf(sources);
    }

    @Provides
    @Singleton
    Optional<SignedTokenVerifier> signedTokenVerifier(ConfigurationService configuration, List<KeySource> keySources,
            Clock clock) throws GuacamoleException {
        Optional<byte[]> secret = configuration.jwtSharedSecret();
        if (keySources.isEmpty() && secret.isEmpty())
            return Optional.empty();
        return Optional.of(new SignedTokenVerifier(keySources, allowedAlgorithms(configuration, secret.isPresent()),
                secret, configuration.jwtIssuer(), configuration.jwtAudience(), configuration.jwtMaxLifetime(),
                configuration.jwtClockSkew(), clock));
    }

    /** HMAC algorithms only with a shared secret; public-key algorithms only with key sets. */
    private static java.util.Set<String> allowedAlgorithms(ConfigurationService configuration, boolean haveSecret)
            throws GuacamoleException {
        java.util.Set<String> allowed = new java.util.HashSet<>(configuration.jwtAlgorithms());
        if (!haveSecret)
            allowed.removeIf(a -> a.startsWith("HS"));
        return allowed;
    }

    @Provides
    @Singleton
    Optional<IntrospectionClient> introspectionClient(ConfigurationService configuration, Clock clock)
            throws GuacamoleException {
        if (configuration.introspectionUrl().isEmpty())
            return Optional.empty();
        return Optional.of(new IntrospectionClient(configuration.introspectionUrl().get(),
                configuration.introspectionClientId(), configuration.introspectionClientSecret(),
                configuration.introspectionTimeout(), clock, configuration.introspectionAudience()));
    }

    @Provides
    @Singleton
    ReplayStore replayStore(ConfigurationService configuration, Clock clock) throws GuacamoleException {
        if (configuration.replayStore() == ReplayStoreType.REDIS)
            return new RedisReplayStore(configuration.redisUri(), configuration.redisKeyPrefix(),
                    configuration.introspectionTimeout(), clock);
        return new MemoryReplayStore(clock);
    }

    @Provides
    @Singleton
    TokenService tokenService(Optional<SignedTokenVerifier> signed, Optional<IntrospectionClient> introspection,
            ReplayStore replayStore, ConfigurationService configuration) throws GuacamoleException {
        if (signed.isEmpty() && introspection.isEmpty())
            throw new GuacamoleServerException("Configure heps-jwt-keys, heps-jwt-jwks-url, heps-jwt-shared-secret "
                    + "or heps-introspection-url: there is no way to check portal tokens.");
        return new TokenService(signed, introspection, replayStore, configuration.jwtClockSkew(),
                configuration.usernamePattern());
    }

    @Provides
    @Singleton
    Optional<DirectoryService> directoryService(ConfigurationService configuration) throws GuacamoleException {
        if (configuration.ldapUrls().isEmpty())
            return Optional.empty();
        try {
            return Optional.of(new DirectoryService(configuration.ldapUrls(), configuration.ldapBindDn(),
                    configuration.ldapBindPassword(), configuration.ldapUserBaseDn(),
                    configuration.ldapUsernameAttribute(), configuration.ldapGroupBaseDn(),
                    configuration.ldapDirectoryType(), configuration.ldapPoolSize(), configuration.ldapTimeout(),
                    configuration.ldapCaFile()));
        }
        catch (LDAPException e) {
            throw new GuacamoleServerException("heps-ldap-urls cannot be used: " + e.getMessage(), e);
        }
    }
}
