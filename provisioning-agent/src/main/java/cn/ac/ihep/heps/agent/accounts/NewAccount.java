package cn.ac.ihep.heps.agent.accounts;

/** What an account created by the agent holds, the same in LDAP and AD. */
record NewAccount(String username, int uidNumber, int gidNumber, String homeDirectory, String loginShell) {
}
