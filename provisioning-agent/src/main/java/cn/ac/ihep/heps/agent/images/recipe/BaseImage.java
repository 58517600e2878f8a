package cn.ac.ihep.heps.agent.images.recipe;

/** The Glance image a beamline image is built from, pinned by its exact (immutable) name. */
public record BaseImage(String name, OsFamily os) {
}
