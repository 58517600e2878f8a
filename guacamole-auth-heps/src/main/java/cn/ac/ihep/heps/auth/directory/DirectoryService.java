package cn.ac.ihep.heps.auth.directory;

import cn.ac.ihep.heps.auth.conf.DirectoryType;
import com.unboundid.ldap.sdk.BindRequest;
import com.unboundid.ldap.sdk.FailoverServerSet;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPURL;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.ServerSet;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import com.unboundid.util.ssl.JVMDefaultTrustManager;
import com.unboundid.util.ssl.PEMFileTrustManager;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.SocketFactory;
import javax.net.ssl.TrustManager;

/**
 * Looks a token's subject up in LDAP or Active Directory (CONTRACTS §1d) through a pool of
 * bound connections spread over {@code heps-ldap-urls} in failover order: the account must
 * exist exactly once and not be disabled, and its groups are read. Every user-supplied value
 * goes into filters through UnboundID's filter builder, which escapes it, so a username with
 * {@code * ( ) \} or NUL matches only an account of exactly that name.
 */
public final class DirectoryService implements AutoCloseable {

    private static final int MAXIMUM_GROUPS = 1000;

    private final LDAPConnectionPool pool;
    private final String userBaseDn;
    private final String usernameAttribute;
    private final String groupBaseDn;
    private final AccountPolicy policy;
    private final int timeLimitSeconds;

    public DirectoryService(List<String> urls, Optional<String> bindDn, Optional<String> bindPassword,
            String userBaseDn, String usernameAttribute, String groupBaseDn, DirectoryType type,
            int poolSize, Duration timeout, Optional<Path> caFile) throws LDAPException {
        LDAPConnectionOptions options = new LDAPConnectionOptions();
        options.setConnectTimeoutMillis((int) timeout.toMillis());
        options.setResponseTimeoutMillis(timeout.toMillis());
        options.setAbandonOnTimeout(true);
        options.setSSLSocketVerifier(HostCheckingSocketFactory.HANDSHAKE_ON_CONNECT);

        List<ServerSet> servers = new ArrayList<>();
        for (String url : urls)
            servers.add(serverSet(new LDAPURL(url), options, caFile));
        ServerSet serverSet = servers.size() == 1 ? servers.get(0)
                : new FailoverServerSet(servers.toArray(ServerSet[]::new));

        BindRequest bind = bindDn.isPresent() ? new SimpleBindRequest(bindDn.get(), bindPassword.orElse("")) : null;
        // Start with one connection but do not fail if the directory is down right now:
        // Guacamole must still start, and the pool connects when the directory is back.
        this.pool = new LDAPConnectionPool(serverSet, bind, 1, poolSize, null, false);
        pool.setRetryFailedOperationsDueToInvalidConnections(true);
        pool.setMaxWaitTimeMillis(timeout.toMillis());
        pool.setConnectionPoolName("heps-auth");

        this.userBaseDn = userBaseDn;
        this.usernameAttribute = usernameAttribute;
        this.groupBaseDn = groupBaseDn;
        this.policy = AccountPolicy.of(type);
        this.timeLimitSeconds = (int) Math.max(1, timeout.toSeconds());
    }

    private static ServerSet serverSet(LDAPURL url, LDAPConnectionOptions options, Optional<Path> caFile)
            throws LDAPException {
        SocketFactory sockets = SocketFactory.getDefault();
        if ("ldaps".equalsIgnoreCase(url.getScheme())) {
            try {
                TrustManager trust = caFile.isPresent() ? new PEMFileTrustManager(caFile.get().toFile())
                        : JVMDefaultTrustManager.getInstance();
                sockets = HostCheckingSocketFactory.trusting(trust, options.getConnectTimeoutMillis());
            }
            catch (GeneralSecurityException e) {
                throw new LDAPException(ResultCode.LOCAL_ERROR, "TLS is unavailable for " + url, e);
            }
        }
        return new SingleServerSet(url.getHost(), url.getPort(), sockets, options);
    }

    public DirectoryUser lookup(String username) throws DirectoryRefusalException, DirectoryUnavailableException {
        try {
            List<String> attributes = new ArrayList<>(List.of(usernameAttribute, "cn", "displayName"));
            attributes.addAll(policy.statusAttributes());
            SearchRequest userSearch = new SearchRequest(userBaseDn, SearchScope.SUB,
                    Filter.createEqualityFilter(usernameAttribute, username), attributes.toArray(String[]::new));
            userSearch.setSizeLimit(2);
            userSearch.setTimeLimitSeconds(timeLimitSeconds);
            SearchResult users = search(userSearch);
            if (users.getEntryCount() == 0)
                throw new DirectoryRefusalException("no directory account");
            if (users.getEntryCount() > 1)
                throw new DirectoryRefusalException("more than one directory account");
            SearchResultEntry user = users.getSearchEntries().get(0);
            String disabled = policy.disabledReason(user);
            if (disabled != null)
                throw new DirectoryRefusalException(disabled);

            SearchRequest groupSearch = new SearchRequest(groupBaseDn, SearchScope.SUB,
                    policy.groupFilter(username, user.getDN()), "cn");
            groupSearch.setSizeLimit(MAXIMUM_GROUPS);
            groupSearch.setTimeLimitSeconds(timeLimitSeconds);
            Set<String> groups = new LinkedHashSet<>();
            for (SearchResultEntry group : search(groupSearch).getSearchEntries()) {
                String name = group.getAttributeValue("cn");
                if (name != null)
                    groups.add(name);
            }
            Optional<String> displayName = Optional.ofNullable(user.getAttributeValue("displayName"))
                    .or(() -> Optional.ofNullable(user.getAttributeValue("cn")));
            return new DirectoryUser(user.getDN(), spelling(user, username), displayName, groups);
        }
        catch (LDAPException e) {
            throw new DirectoryUnavailableException("directory lookup failed: " + e.getResultCode()
                    + " " + e.getDiagnosticMessage(), e);
        }
    }

    /**
     * The account's name as the directory spells it: the search matched case-insensitively, so
     * "Alice" finds alice, and the user must be alice everywhere after (desktops, history).
     */
    private String spelling(SearchResultEntry user, String presented) {
        String[] values = user.getAttributeValues(usernameAttribute);
        if (values != null)
            for (String value : values)
                if (value.equalsIgnoreCase(presented))
                    return value;
        return presented;
    }

    private SearchResult search(SearchRequest request) throws LDAPException {
        // When a server dies, every pooled connection to it is dead. The pool retries an operation
        // once, and that retry can meet another dead connection, so a login in flight would be
        // refused although the failover server answers: try once more per pooled connection.
        // Only a connection that died is retried; a server that cannot be reached at all is not.
        for (int attempt = 1; ; attempt++) {
            try {
                return pool.search(request);
            }
            catch (LDAPException e) {
                // A size-limit answer still carries the entries we asked for (we only need to know "more than one").
                if (e.getResultCode() == ResultCode.SIZE_LIMIT_EXCEEDED && e instanceof com.unboundid.ldap.sdk.LDAPSearchException s)
                    return s.getSearchResult();
                if (e.getResultCode() != ResultCode.SERVER_DOWN || attempt > pool.getMaximumAvailableConnections())
                    throw e;
            }
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
