package cn.ac.ihep.heps.agent.images.recipe;

import java.util.Locale;
import java.util.Optional;

/** The guest operating system family a recipe targets; its wire name is Glance's {@code os_type}. */
public enum OsFamily {
    LINUX,
    WINDOWS;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<OsFamily> fromWireName(String value) {
        for (OsFamily os : values()) {
            if (os.wireName().equals(value)) {
                return Optional.of(os);
            }
        }
        return Optional.empty();
    }
}
