package cn.ac.ihep.heps.bench.auth;

import cn.ac.ihep.heps.auth.HepsAuthenticationProvider;
import cn.ac.ihep.heps.testsupport.guacamole.TestRequest;
import cn.ac.ihep.heps.testsupport.ldap.DirectoryFixture;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Jwks;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.guacamole.environment.LocalEnvironment;
import org.apache.guacamole.net.auth.AuthenticatedUser;
import org.apache.guacamole.net.auth.Credentials;
import org.apache.guacamole.properties.FileGuacamoleProperties;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole {@code authenticateUser} path of guacamole-auth-heps as Guacamole calls it: read the
 * token from the request, size check, ES256 verification against a JWKS file, claim checks,
 * in-memory replay check, and (with {@code directory=posix}) a user search plus a group search
 * over a pooled connection to an LDAP server on loopback.
 *
 * <p>Each invocation uses a fresh token (one-use ids); tokens are minted before each iteration,
 * outside the measurement. Each parameter runs in its own JVM because Guacamole's
 * {@code LocalEnvironment} is one per JVM.
 */
@State(Scope.Benchmark)
@BenchmarkMode({ Mode.Throughput, Mode.SampleTime })
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = { "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn" })
public class AuthenticateUserBenchmark {

    private static final String ISSUER = "https://token.heps.example";
    private static final String AUDIENCE = "guacamole";
    /** Enough for one 2 s iteration at up to 6,000 logins/s; running out fails the run. */
    private static final int TOKENS_PER_ITERATION = 12_000;

    @Param({ "posix", "none" })
    public String directory;

    private DirectoryFixture ldap;
    private HepsAuthenticationProvider provider;
    private KeyPair signingKey;
    private String[] requests;
    private int next;

    @Setup(Level.Trial)
    public void start() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        signingKey = generator.generateKeyPair();

        Path home = Files.createTempDirectory("bench-guacamole-home-");
        System.setProperty("guacamole.home", home.toString());
        Path jwks = home.resolve("jwks.json");
        Files.writeString(jwks, "{\"keys\":[" + Jwks.json(Jwks.builder().key(signingKey.getPublic()).id("bench-1").build()) + "]}");

        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("heps-jwt-issuer", ISSUER);
        properties.put("heps-jwt-audience", AUDIENCE);
        properties.put("heps-jwt-keys", jwks.toString());
        properties.put("heps-jwt-trust-groups", "true");
        if (directory.equals("posix")) {
            ldap = DirectoryFixture.posix();
            properties.put("heps-ldap-urls", ldap.url());
            properties.put("heps-ldap-bind-dn", ldap.bindDn());
            properties.put("heps-ldap-bind-password", ldap.bindPassword());
            properties.put("heps-ldap-user-base-dn", ldap.userBaseDn());
            properties.put("heps-ldap-group-base-dn", ldap.groupBaseDn());
        }
        Path file = home.resolve("guacamole.properties");
        write(file, properties);
        LocalEnvironment.getInstance().addGuacamoleProperties(new FileGuacamoleProperties(file.toFile()));
        provider = new HepsAuthenticationProvider();
    }

    private static void write(Path file, Map<String, String> properties) throws IOException {
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Map.Entry<String, String> property : properties.entrySet())
                writer.write(property.getKey() + ": " + property.getValue() + "\n");
        }
    }

    @Setup(Level.Iteration)
    public void mintTokens() {
        Instant now = Instant.now();
        requests = new String[TOKENS_PER_ITERATION];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = Jwts.builder()
                    .header().type("heps-desktop+jwt").keyId("bench-1").and()
                    .issuer(ISSUER).audience().add(AUDIENCE).and()
                    .subject("alice").issuedAt(Date.from(now)).expiration(Date.from(now.plusSeconds(110)))
                    .id(UUID.randomUUID().toString()).claim("groups", List.of("exp-2026-001"))
                    .signWith(signingKey.getPrivate()).compact();
        }
        next = 0;
    }

    @Benchmark
    public AuthenticatedUser authenticateUser() throws Exception {
        if (next >= requests.length)
            throw new IllegalStateException("token pool exhausted: raise TOKENS_PER_ITERATION");
        Credentials credentials = new Credentials(null, null,
                TestRequest.withParameter("heps_token", requests[next++]).toServletRequest());
        AuthenticatedUser user = provider.authenticateUser(credentials);
        if (!"alice".equals(user.getIdentifier()))
            throw new IllegalStateException("unexpected user " + user.getIdentifier());
        return user;
    }

    @TearDown(Level.Trial)
    public void stop() {
        provider.shutdown();
        if (ldap != null)
            ldap.close();
    }
}
