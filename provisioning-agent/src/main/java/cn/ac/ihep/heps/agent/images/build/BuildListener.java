package cn.ac.ihep.heps.agent.images.build;

/** Hears what a build is doing, for progress displays. */
@FunctionalInterface
public interface BuildListener {

    void step(String beamline, String message);

    BuildListener NONE = (beamline, message) -> { };
}
