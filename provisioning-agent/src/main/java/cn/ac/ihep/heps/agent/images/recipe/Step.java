package cn.ac.ihep.heps.agent.images.recipe;

/** One named script of a component: shell on Linux, PowerShell on Windows. */
public record Step(String name, String run) {
}
