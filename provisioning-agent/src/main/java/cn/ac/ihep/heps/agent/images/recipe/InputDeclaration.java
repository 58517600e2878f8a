package cn.ac.ihep.heps.agent.images.recipe;

/**
 * A value a component needs from the site or the beamline recipe, handed to its steps as the
 * environment variable {@link #environmentName()}.
 *
 * @param defaultValue used when neither the beamline nor the site gives a value; null when none
 * @param secret never logged, never hashed, never written into image properties
 * @param siteProvided only the site can give it (an installer in its artifact store, a licence
 *     server, a package mirror): when a required one is unset the component is skipped rather
 *     than the build refused; it never has a default
 */
public record InputDeclaration(
        String name, String description, boolean required, String defaultValue, boolean secret, boolean siteProvided) {

    /** {@code installer_sha256} becomes {@code INSTALLER_SHA256}. */
    public String environmentName() {
        return name.toUpperCase(java.util.Locale.ROOT);
    }
}
