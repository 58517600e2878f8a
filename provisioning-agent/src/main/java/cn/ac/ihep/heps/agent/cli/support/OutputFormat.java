package cn.ac.ihep.heps.agent.cli.support;

/** How a verb prints its result: a table for people, JSON for scripts. */
public enum OutputFormat {
    table,
    json
}
