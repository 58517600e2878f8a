package cn.ac.ihep.heps.agent.config;

/** A setting is missing or malformed; the message names it and its environment variable. */
public class ConfigurationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigurationException(String message) {
        super(message);
    }
}
