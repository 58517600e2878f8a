package cn.ac.ihep.heps.common.desktop;

/** Glance image properties that describe a desktop image (CONTRACTS §2). */
public final class ImageProperties {

    public static final String BEAMLINE = "heps_beamline";
    public static final String RECIPE = "heps_recipe";
    public static final String RECIPE_VERSION = "heps_recipe_version";
    /** JSON list of {@code name@version}. */
    public static final String COMPONENTS = "heps_components";
    /** {@code windows} or {@code linux}. */
    public static final String OS_TYPE = "os_type";

    private ImageProperties() {
    }
}
