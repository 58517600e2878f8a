package cn.ac.ihep.heps.testsupport.ldap;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.LDAPException;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A real LDAP server on an ephemeral loopback port (UnboundID's in-memory directory), filled
 * with a known directory. Two flavours:
 *
 * <ul>
 * <li>{@link #posix()}: an OpenLDAP-style tree, users {@code uid=…,ou=people} (posixAccount),
 *     groups as posixGroup ({@code memberUid}) and groupOfNames ({@code member}); {@code bob} is
 *     locked by {@code pwdAccountLockedTime} (ppolicy), {@code carol} by {@code nsAccountLock: TRUE}.</li>
 * <li>{@link #activeDirectory()}: an AD-style tree, users found by {@code sAMAccountName},
 *     {@code memberOf} on users, nested groups, {@code userAccountControl} (dave is disabled, bit 2),
 *     and AD's in-chain matching rule emulated by {@link InChainMatchingRule}.</li>
 * </ul>
 *
 * Schema checking is off in both: the directory holds exactly the attributes listed in
 * {@link DirectoryData}, including ppolicy and AD attributes the bundled schema lacks.
 *
 * <p>{@link #posixAccounts()} is for code that writes accounts: an empty POSIX tree served with
 * the standard schema plus RFC 2307 ({@code nis.ldif}: posixAccount, posixGroup), checked, so an
 * entry that breaks the schema is refused as a real OpenLDAP would refuse it.
 */
public final class DirectoryFixture implements AutoCloseable {

    public static final String BIND_PASSWORD = "reader-secret";

    private final InMemoryDirectoryServer server;
    private final DirectoryData data;

    private final SearchCounter searches;
    private final boolean tls;

    private DirectoryFixture(InMemoryDirectoryServer server, DirectoryData data, SearchCounter searches, boolean tls) {
        this.server = server;
        this.data = data;
        this.searches = searches;
        this.tls = tls;
    }

    /** Counts the searches clients send. */
    private static final class SearchCounter extends com.unboundid.ldap.listener.interceptor.InMemoryOperationInterceptor {
        private final java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public void processSearchRequest(com.unboundid.ldap.listener.interceptor.InMemoryInterceptedSearchRequest request) {
            count.incrementAndGet();
        }
    }

    public static DirectoryFixture posix() throws LDAPException {
        return start(DirectoryData.POSIX, false);
    }

    public static DirectoryFixture activeDirectory() throws LDAPException {
        return start(DirectoryData.ACTIVE_DIRECTORY, true);
    }

    /**
     * {@link #posix()} served over LDAPS only, presenting the certificate in {@code tls} (a
     * server context, e.g. from {@code TestCertificateAuthority.serverContext}).
     */
    public static DirectoryFixture posixOverTls(javax.net.ssl.SSLContext tls) throws LDAPException {
        return start(DirectoryData.POSIX, false, null, tls);
    }

    /** An empty POSIX tree with the RFC 2307 schema enforced, served over LDAPS with {@code tls}. */
    public static DirectoryFixture posixAccountsOverTls(javax.net.ssl.SSLContext tls) throws LDAPException {
        return start(DirectoryData.POSIX_ACCOUNTS, false, rfc2307Schema(), tls);
    }

    /** An empty POSIX tree with the RFC 2307 schema enforced. */
    public static DirectoryFixture posixAccounts() throws LDAPException {
        return start(DirectoryData.POSIX_ACCOUNTS, false, rfc2307Schema());
    }

    /** UnboundID's standard schema (core, cosine, inetOrgPerson) plus RFC 2307's nis schema. */
    static com.unboundid.ldap.sdk.schema.Schema rfc2307Schema() throws LDAPException {
        try (java.io.InputStream nis = DirectoryFixture.class.getResourceAsStream("nis.ldif")) {
            if (nis == null) {
                throw new IllegalStateException("nis.ldif is missing beside DirectoryFixture");
            }
            return com.unboundid.ldap.sdk.schema.Schema.mergeSchemas(
                    com.unboundid.ldap.sdk.schema.Schema.getDefaultStandardSchema(),
                    com.unboundid.ldap.sdk.schema.Schema.getSchema(nis));
        } catch (java.io.IOException | com.unboundid.ldif.LDIFException e) {
            throw new IllegalStateException("Cannot read nis.ldif: " + e.getMessage(), e);
        }
    }

    private static DirectoryFixture start(DirectoryData data, boolean inChain) throws LDAPException {
        return start(data, inChain, null);
    }

    private static DirectoryFixture start(DirectoryData data, boolean inChain,
            com.unboundid.ldap.sdk.schema.Schema schema) throws LDAPException {
        return start(data, inChain, schema, null);
    }

    private static DirectoryFixture start(DirectoryData data, boolean inChain,
            com.unboundid.ldap.sdk.schema.Schema schema, javax.net.ssl.SSLContext tls) throws LDAPException {
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(data.baseDn());
        config.setSchema(schema);
        config.addAdditionalBindCredentials(data.bindDn(), BIND_PASSWORD);
        try {
            config.setListenerConfigs(tls == null
                    ? InMemoryListenerConfig.createLDAPConfig("loopback", InetAddress.getByName("127.0.0.1"), 0, null)
                    : InMemoryListenerConfig.createLDAPSConfig("loopback-tls", InetAddress.getByName("127.0.0.1"), 0,
                            tls.getServerSocketFactory(), null));
        }
        catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        SearchCounter searches = new SearchCounter();
        config.addInMemoryOperationInterceptor(searches);
        InChainMatchingRule rule = inChain ? new InChainMatchingRule(data.baseDn()) : null;
        if (rule != null)
            config.addInMemoryOperationInterceptor(rule);
        InMemoryDirectoryServer server = new InMemoryDirectoryServer(config);
        if (rule != null)
            rule.attach(server);
        server.importFromLDIF(true, new com.unboundid.ldif.LDIFReader(
                new java.io.ByteArrayInputStream(data.ldif().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        server.startListening();
        return new DirectoryFixture(server, data, searches, tls != null);
    }

    public InMemoryDirectoryServer server() {
        return server;
    }

    /** {@code ldap://127.0.0.1:<port>}, or {@code ldaps://…} when served over TLS. */
    public String url() {
        return (tls ? "ldaps" : "ldap") + "://127.0.0.1:" + server.getListenPort();
    }

    public int port() {
        return server.getListenPort();
    }

    public String baseDn() {
        return data.baseDn();
    }

    public String bindDn() {
        return data.bindDn();
    }

    public String bindPassword() {
        return BIND_PASSWORD;
    }

    public String userBaseDn() {
        return data.userBaseDn();
    }

    public String groupBaseDn() {
        return data.groupBaseDn();
    }

    /** Number of search operations the server has answered, to prove a lookup happened (or not). */
    public long searchCount() {
        return searches.count.get();
    }

    /** Stops accepting connections and closes the open ones (a directory going down). */
    public void stop() {
        server.shutDown(true);
    }

    /** Listens again on the same port. */
    public void restart() throws LDAPException {
        server.startListening();
    }

    @Override
    public void close() {
        server.shutDown(true);
    }
}
