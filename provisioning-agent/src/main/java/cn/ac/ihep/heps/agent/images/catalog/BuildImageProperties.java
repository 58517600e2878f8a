package cn.ac.ihep.heps.agent.images.catalog;

/**
 * Glance properties the image build adds to CONTRACTS §2's ({@code heps_beamline},
 * {@code heps_recipe}, {@code heps_recipe_version}, {@code heps_components}, {@code os_type}).
 */
public final class BuildImageProperties {

    /** {@code true} on the one image an operator promoted; wins over "newest" (see {@link CurrentImageRule}). */
    public static final String CURRENT = "heps_current";
    /** JSON object component name -> short content hash, so a plan can say which component changed. */
    public static final String COMPONENT_HASHES = "heps_component_hashes";
    /**
     * Comma-separated names of the recipe's components the build left out because a site-provided
     * input was unset; absent when every component was installed.
     */
    public static final String SKIPPED_COMPONENTS = "heps_skipped_components";
    /** The build that made the image; names its builder VM and its leftovers. */
    public static final String BUILD_ID = "heps_build_id";
    /** {@code unvalidated} from snapshot until the validation boot passes, then {@code validated}. */
    public static final String BUILD_STATE = "heps_build_state";
    /** ISO-8601 instant after which an unvalidated image is a leftover of a dead build. */
    public static final String BUILD_LEASE_UNTIL = "heps_build_lease_until";
    /** The Glance id of the pinned base image the build started from. */
    public static final String BASE_IMAGE = "heps_base_image";

    public static final String STATE_UNVALIDATED = "unvalidated";
    public static final String STATE_VALIDATED = "validated";

    private BuildImageProperties() {
    }
}
