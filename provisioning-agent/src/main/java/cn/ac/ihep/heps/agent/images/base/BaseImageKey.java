package cn.ac.ihep.heps.agent.images.base;

import cn.ac.ihep.heps.agent.images.recipe.BaseImageRecipe;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeSet;

/**
 * The cache key of a base image: a SHA-256 over everything that decides its contents (suite,
 * sources, the package list in sorted order, disk size, kernel arguments, the setup script) and
 * over the build script itself. The description and the recipe's comments are not in it.
 * Two builds with the same key give the same image, except for newer package versions the
 * archive published meanwhile; {@code --rebuild} takes those.
 */
public final class BaseImageKey {

    private static final int SHORT_LENGTH = 12;

    private BaseImageKey() {
    }

    public static String of(BaseImageRecipe recipe, String buildScript) {
        StringBuilder canonical = new StringBuilder();
        field(canonical, "format", "heps-base-image/1");
        field(canonical, "name", recipe.name());
        field(canonical, "os", recipe.os().wireName());
        field(canonical, "suite", recipe.suite());
        field(canonical, "sources", String.join("\n", recipe.sources()));
        field(canonical, "packages", String.join(",", new TreeSet<>(recipe.packages())));
        field(canonical, "disk_size_gib", Integer.toString(recipe.diskSizeGib()));
        field(canonical, "kernel_arguments", recipe.kernelArguments().trim());
        field(canonical, "setup", recipe.setup());
        field(canonical, "build_script", buildScript);
        return sha256(canonical.toString());
    }

    /** The first characters of a key, as file names and tables show it. */
    public static String shortForm(String key) {
        return key.substring(0, Math.min(SHORT_LENGTH, key.length()));
    }

    private static void field(StringBuilder canonical, String name, String value) {
        // Length-prefixed, so no value can imitate another field.
        canonical.append(name).append(':').append(value.length()).append(':').append(value).append('\n');
    }

    private static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }
}
