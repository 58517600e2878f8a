package cn.ac.ihep.heps.agent.config;

import java.util.Locale;

/**
 * One documented setting: its property name in the configuration file, the environment
 * variable that overrides it, its default, and whether its value must never be printed.
 */
public record Setting(String property, String defaultValue, boolean secret, String description) {

    /** {@code database-url} → {@code HEPS_DATABASE_URL}. */
    public String environmentVariable() {
        return "HEPS_" + property.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
    }
}
