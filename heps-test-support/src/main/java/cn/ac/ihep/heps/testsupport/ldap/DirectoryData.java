package cn.ac.ihep.heps.testsupport.ldap;

/**
 * The two directories {@link DirectoryFixture} serves.
 *
 * <p>POSIX ({@code dc=heps,dc=example}): alice (groups exp-2026-001 via posixGroup,
 * beamline-b1 via groupOfNames), bob (locked with pwdAccountLockedTime, group staff),
 * carol (locked with nsAccountLock), erin (no groups).
 *
 * <p>Active Directory ({@code dc=ad,dc=example}): alice (memberOf exp-2026-001, which is a
 * member of beamline-b1, which is a member of facility-users: three groups by nesting), dave
 * (userAccountControl 514: disabled), frank (userAccountControl 66048, enabled, group other).
 */
public enum DirectoryData {

    POSIX("dc=heps,dc=example", "cn=reader,dc=heps,dc=example",
            "ou=people,dc=heps,dc=example", "ou=groups,dc=heps,dc=example", """
            dn: dc=heps,dc=example
            objectClass: top
            objectClass: domain
            dc: heps

            dn: ou=people,dc=heps,dc=example
            objectClass: organizationalUnit
            ou: people

            dn: ou=groups,dc=heps,dc=example
            objectClass: organizationalUnit
            ou: groups

            dn: uid=alice,ou=people,dc=heps,dc=example
            objectClass: inetOrgPerson
            objectClass: posixAccount
            uid: alice
            cn: Alice Zhang
            sn: Zhang
            uidNumber: 10001
            gidNumber: 10001
            homeDirectory: /home/alice

            dn: uid=bob,ou=people,dc=heps,dc=example
            objectClass: inetOrgPerson
            objectClass: posixAccount
            uid: bob
            cn: Bob Li
            sn: Li
            uidNumber: 10002
            gidNumber: 10002
            homeDirectory: /home/bob
            pwdAccountLockedTime: 20260101000000Z

            dn: uid=carol,ou=people,dc=heps,dc=example
            objectClass: inetOrgPerson
            objectClass: posixAccount
            uid: carol
            cn: Carol Wang
            sn: Wang
            uidNumber: 10003
            gidNumber: 10003
            homeDirectory: /home/carol
            nsAccountLock: TRUE

            dn: uid=erin,ou=people,dc=heps,dc=example
            objectClass: inetOrgPerson
            objectClass: posixAccount
            uid: erin
            cn: Erin Chen
            sn: Chen
            uidNumber: 10005
            gidNumber: 10005
            homeDirectory: /home/erin

            dn: cn=exp-2026-001,ou=groups,dc=heps,dc=example
            objectClass: posixGroup
            cn: exp-2026-001
            gidNumber: 20001
            memberUid: alice

            dn: cn=beamline-b1,ou=groups,dc=heps,dc=example
            objectClass: groupOfNames
            cn: beamline-b1
            member: uid=alice,ou=people,dc=heps,dc=example

            dn: cn=staff,ou=groups,dc=heps,dc=example
            objectClass: posixGroup
            cn: staff
            gidNumber: 20003
            memberUid: bob
            """),

    ACTIVE_DIRECTORY("dc=ad,dc=example", "cn=reader,cn=Users,dc=ad,dc=example",
            "cn=Users,dc=ad,dc=example", "ou=Groups,dc=ad,dc=example", """
            dn: dc=ad,dc=example
            objectClass: top
            objectClass: domain
            dc: ad

            dn: cn=Users,dc=ad,dc=example
            objectClass: container
            cn: Users

            dn: ou=Groups,dc=ad,dc=example
            objectClass: organizationalUnit
            ou: Groups

            dn: cn=Alice Zhang,cn=Users,dc=ad,dc=example
            objectClass: top
            objectClass: person
            objectClass: organizationalPerson
            objectClass: user
            cn: Alice Zhang
            sAMAccountName: alice
            userPrincipalName: alice@ad.example
            userAccountControl: 512
            memberOf: cn=exp-2026-001,ou=Groups,dc=ad,dc=example

            dn: cn=Dave Liu,cn=Users,dc=ad,dc=example
            objectClass: top
            objectClass: person
            objectClass: organizationalPerson
            objectClass: user
            cn: Dave Liu
            sAMAccountName: dave
            userAccountControl: 514
            memberOf: cn=exp-2026-001,ou=Groups,dc=ad,dc=example

            dn: cn=Frank Sun,cn=Users,dc=ad,dc=example
            objectClass: top
            objectClass: person
            objectClass: organizationalPerson
            objectClass: user
            cn: Frank Sun
            sAMAccountName: frank
            userAccountControl: 66048
            memberOf: cn=other,ou=Groups,dc=ad,dc=example

            dn: cn=exp-2026-001,ou=Groups,dc=ad,dc=example
            objectClass: top
            objectClass: group
            cn: exp-2026-001
            sAMAccountName: exp-2026-001
            member: cn=Alice Zhang,cn=Users,dc=ad,dc=example
            member: cn=Dave Liu,cn=Users,dc=ad,dc=example
            memberOf: cn=beamline-b1,ou=Groups,dc=ad,dc=example

            dn: cn=beamline-b1,ou=Groups,dc=ad,dc=example
            objectClass: top
            objectClass: group
            cn: beamline-b1
            sAMAccountName: beamline-b1
            member: cn=exp-2026-001,ou=Groups,dc=ad,dc=example
            memberOf: cn=facility-users,ou=Groups,dc=ad,dc=example

            dn: cn=facility-users,ou=Groups,dc=ad,dc=example
            objectClass: top
            objectClass: group
            cn: facility-users
            sAMAccountName: facility-users
            member: cn=beamline-b1,ou=Groups,dc=ad,dc=example

            dn: cn=other,ou=Groups,dc=ad,dc=example
            objectClass: top
            objectClass: group
            cn: other
            sAMAccountName: other
            member: cn=Frank Sun,cn=Users,dc=ad,dc=example
            """),

    /**
     * An empty POSIX tree ({@code dc=accounts,dc=example}, {@code ou=people}, {@code ou=groups})
     * for code that writes accounts; served with the RFC 2307 schema checked.
     */
    POSIX_ACCOUNTS("dc=accounts,dc=example", "cn=agent,dc=accounts,dc=example",
            "ou=people,dc=accounts,dc=example", "ou=groups,dc=accounts,dc=example", """
            dn: dc=accounts,dc=example
            objectClass: top
            objectClass: domain
            dc: accounts

            dn: ou=people,dc=accounts,dc=example
            objectClass: top
            objectClass: organizationalUnit
            ou: people

            dn: ou=groups,dc=accounts,dc=example
            objectClass: top
            objectClass: organizationalUnit
            ou: groups
            """);

    private final String baseDn;
    private final String bindDn;
    private final String userBaseDn;
    private final String groupBaseDn;
    private final String ldif;

    DirectoryData(String baseDn, String bindDn, String userBaseDn, String groupBaseDn, String ldif) {
        this.baseDn = baseDn;
        this.bindDn = bindDn;
        this.userBaseDn = userBaseDn;
        this.groupBaseDn = groupBaseDn;
        this.ldif = ldif;
    }

    public String baseDn() { return baseDn; }
    public String bindDn() { return bindDn; }
    public String userBaseDn() { return userBaseDn; }
    public String groupBaseDn() { return groupBaseDn; }
    public String ldif() { return ldif; }
}
