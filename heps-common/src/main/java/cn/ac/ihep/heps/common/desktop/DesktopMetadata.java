package cn.ac.ihep.heps.common.desktop;

/** Nova server metadata keys written by the agent and read by the resolver (CONTRACTS §2). */
public final class DesktopMetadata {

    public static final String BEAMLINE = "heps.beamline";
    /** {@code rdp} or {@code vnc}. */
    public static final String PROTOCOL = "heps.protocol";
    public static final String EXPERIMENT = "heps.experiment";
    /**
     * ISO-8601 UTC instant after which the desktop is shelved: the end of its beamtime window,
     * kept current by the agent when a window is extended. The VM resolver wakes no desktop past it.
     */
    public static final String EXPIRES = "heps.expires";
    public static final String IMAGE_RECIPE = "heps.image-recipe";

    private DesktopMetadata() {
    }
}
