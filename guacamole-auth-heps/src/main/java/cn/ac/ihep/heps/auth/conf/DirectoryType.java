package cn.ac.ihep.heps.auth.conf;

/** Decides how accounts are disabled and how groups are found. */
public enum DirectoryType { LDAP, ACTIVE_DIRECTORY }
