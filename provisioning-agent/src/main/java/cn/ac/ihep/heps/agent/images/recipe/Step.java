package cn.ac.ihep.heps.agent.images.recipe;

import java.util.Locale;

/** One named script of a component: shell on Linux, PowerShell on Windows. */
public record Step(String name, String run) {

    /** The step's name as the completion signal names it: {@code failed=<component>/<slug>}. */
    public String slug() {
        String slug = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
        return slug.isEmpty() ? "step" : slug;
    }
}
