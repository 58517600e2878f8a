package cn.ac.ihep.heps.agent.images.catalog;

/** What {@code prune} did (or would do) with one image, and why. */
public record PruneDecision(String beamline, String imageId, String name, Action action, String reason) {

    public enum Action {
        KEEP,
        DELETE
    }
}
