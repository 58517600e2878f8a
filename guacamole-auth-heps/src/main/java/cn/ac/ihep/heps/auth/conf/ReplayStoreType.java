package cn.ac.ihep.heps.auth.conf;

/** Where used token ids are remembered: this node only, or every node through Redis. */
public enum ReplayStoreType { MEMORY, REDIS }
