package cn.ac.ihep.heps.testsupport.ldap;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.interceptor.InMemoryInterceptedSearchRequest;
import com.unboundid.ldap.listener.interceptor.InMemoryOperationInterceptor;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Gives UnboundID's in-memory server Active Directory's LDAP_MATCHING_RULE_IN_CHAIN
 * ({@code 1.2.840.113556.1.4.1941}), which it does not support (it answers "inappropriate
 * matching" to every extensible-match filter).
 *
 * <p>Each {@code (attr:1.2.840.113556.1.4.1941:=DN)} in an incoming search is replaced, before
 * the server evaluates it, by {@code (|(attr=DN)(attr=G1)…)} where G1… are every entry reaching
 * DN through {@code attr} transitively, which is what AD computes. The client's query is the
 * real AD query; only its evaluation is ours.
 */
public final class InChainMatchingRule extends InMemoryOperationInterceptor {

    public static final String OID = "1.2.840.113556.1.4.1941";

    private InMemoryDirectoryServer server;
    private final String baseDn;

    InChainMatchingRule(String baseDn) {
        this.baseDn = baseDn;
    }

    void attach(InMemoryDirectoryServer server) {
        this.server = server;
    }

    @Override
    public void processSearchRequest(InMemoryInterceptedSearchRequest request) throws LDAPException {
        Filter original = request.getRequest().getFilter();
        Filter rewritten = rewrite(original);
        if (rewritten != original) {
            com.unboundid.ldap.sdk.SearchRequest copy = request.getRequest().duplicate();
            copy.setFilter(rewritten);
            request.setRequest(copy);
        }
    }

    private Filter rewrite(Filter filter) throws LDAPException {
        switch (filter.getFilterType()) {
            case Filter.FILTER_TYPE_AND:
            case Filter.FILTER_TYPE_OR: {
                Filter[] components = filter.getComponents();
                Filter[] rewritten = new Filter[components.length];
                boolean changed = false;
                for (int i = 0; i < components.length; i++) {
                    rewritten[i] = rewrite(components[i]);
                    changed |= rewritten[i] != components[i];
                }
                if (!changed)
                    return filter;
                return filter.getFilterType() == Filter.FILTER_TYPE_AND
                        ? Filter.createANDFilter(rewritten) : Filter.createORFilter(rewritten);
            }
            case Filter.FILTER_TYPE_NOT: {
                Filter inner = rewrite(filter.getNOTComponent());
                return inner == filter.getNOTComponent() ? filter : Filter.createNOTFilter(inner);
            }
            case Filter.FILTER_TYPE_EXTENSIBLE_MATCH:
                if (OID.equals(filter.getMatchingRuleID()) && filter.getAttributeName() != null)
                    return expand(filter.getAttributeName(), filter.getAssertionValue());
                return filter;
            default:
                return filter;
        }
    }

    /** (|(attr=target)(attr=each entry that reaches target through attr)). */
    private Filter expand(String attribute, String target) throws LDAPException {
        Set<DN> reached = new LinkedHashSet<>();
        Deque<DN> pending = new ArrayDeque<>();
        DN start = new DN(target);
        pending.add(start);
        while (!pending.isEmpty()) {
            DN next = pending.poll();
            for (SearchResultEntry holder : server.search(baseDn, SearchScope.SUB,
                    Filter.createEqualityFilter(attribute, next.toString()), "1.1").getSearchEntries()) {
                DN holderDn = holder.getParsedDN();
                if (!holderDn.equals(start) && reached.add(holderDn))
                    pending.add(holderDn);
            }
        }
        List<Filter> alternatives = new ArrayList<>();
        alternatives.add(Filter.createEqualityFilter(attribute, start.toString()));
        for (DN dn : reached)
            alternatives.add(Filter.createEqualityFilter(attribute, dn.toString()));
        return Filter.createORFilter(alternatives);
    }
}
