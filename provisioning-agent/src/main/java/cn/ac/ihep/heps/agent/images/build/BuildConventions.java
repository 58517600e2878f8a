package cn.ac.ihep.heps.agent.images.build;

/**
 * Names that mark build artifacts in OpenStack, so a later run can recognise and remove what a
 * killed build left behind.
 */
public final class BuildConventions {

    /** Server tag of every builder and validation VM. */
    public static final String BUILDER_TAG = "heps-image-build";

    public static final String META_BUILD_ID = "heps.build-id";
    public static final String META_BEAMLINE = "heps.build-beamline";
    /** {@code build} or {@code validate}. */
    public static final String META_PHASE = "heps.build-phase";
    /** ISO-8601 instant; the running build renews it, a sweeper removes the VM once it has passed. */
    public static final String META_LEASE_UNTIL = "heps.build-lease-until";
    /** Set before the snapshot is requested, so a kill between snapshot and tagging still finds the image. */
    public static final String META_IMAGE_NAME = "heps.build-image-name";
    /** Written by the guest (Compute API) when it cannot reach the console: the same line as on the console. */
    public static final String META_RESULT = "heps.build-result";

    public static final String PHASE_BUILD = "build";
    public static final String PHASE_VALIDATE = "validate";

    private BuildConventions() {
    }

    public static String builderName(String beamline, String buildId, String phase) {
        return "heps-" + phase + "-" + beamline + "-" + buildId;
    }

    public static String imageName(String beamline, String buildId) {
        return "heps-" + beamline + "-" + buildId;
    }
}
