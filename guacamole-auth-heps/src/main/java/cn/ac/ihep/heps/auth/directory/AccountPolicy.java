package cn.ac.ihep.heps.auth.directory;

import cn.ac.ihep.heps.auth.conf.DirectoryType;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.Filter;
import java.util.List;

/**
 * What differs between an LDAP directory and Active Directory: which attributes say an account
 * is disabled, and how a user's groups are found.
 */
enum AccountPolicy {

    /** posixGroup (memberUid) and groupOfNames/groupOfUniqueNames (member DN); locked by ppolicy or 389/FreeIPA. */
    LDAP(List.of("pwdAccountLockedTime", "nsAccountLock")) {
        @Override
        String disabledReason(Entry user) {
            if (user.hasAttribute("pwdAccountLockedTime"))
                return "account locked (pwdAccountLockedTime)";
            if ("true".equalsIgnoreCase(user.getAttributeValue("nsAccountLock")))
                return "account locked (nsAccountLock)";
            return null;
        }

        @Override
        Filter groupFilter(String username, String userDn) {
            return Filter.createORFilter(
                    Filter.createANDFilter(Filter.createEqualityFilter("objectClass", "posixGroup"),
                            Filter.createEqualityFilter("memberUid", username)),
                    Filter.createANDFilter(Filter.createEqualityFilter("objectClass", "groupOfNames"),
                            Filter.createEqualityFilter("member", userDn)),
                    Filter.createANDFilter(Filter.createEqualityFilter("objectClass", "groupOfUniqueNames"),
                            Filter.createEqualityFilter("uniqueMember", userDn)));
        }
    },

    /** userAccountControl bit 2 (ACCOUNTDISABLE); groups, nested ones included, in one in-chain query. */
    ACTIVE_DIRECTORY(List.of("userAccountControl")) {
        static final String IN_CHAIN = "1.2.840.113556.1.4.1941";

        @Override
        String disabledReason(Entry user) {
            String value = user.getAttributeValue("userAccountControl");
            if (value == null)
                return "account has no userAccountControl";
            try {
                return (Long.parseLong(value.trim()) & 2L) != 0 ? "account disabled (userAccountControl)" : null;
            }
            catch (NumberFormatException e) {
                return "userAccountControl is not a number";
            }
        }

        @Override
        Filter groupFilter(String username, String userDn) {
            return Filter.createANDFilter(Filter.createEqualityFilter("objectClass", "group"),
                    Filter.createExtensibleMatchFilter("member", IN_CHAIN, false, userDn));
        }
    };

    private final List<String> statusAttributes;

    AccountPolicy(List<String> statusAttributes) {
        this.statusAttributes = statusAttributes;
    }

    static AccountPolicy of(DirectoryType type) {
        return type == DirectoryType.ACTIVE_DIRECTORY ? ACTIVE_DIRECTORY : LDAP;
    }

    List<String> statusAttributes() {
        return statusAttributes;
    }

    /** Why the account may not sign in, or null when it may. */
    abstract String disabledReason(Entry user);

    /** Groups the user belongs to; every value is escaped by UnboundID's filter builder. */
    abstract Filter groupFilter(String username, String userDn);
}
