package cn.ac.ihep.heps.agent.images.base;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A base image in the cache.
 *
 * @param name {@code heps-base-<recipe>-<short key>}, also its Glance name once uploaded
 * @param key the full cache key ({@link BaseImageKey})
 * @param cached true when an earlier build with the same key was reused
 * @param elapsed how long this call took (the build, or only the look-up when cached)
 */
public record BuiltBaseImage(String name, String key, Path qcow2, long sizeBytes, boolean cached, Duration elapsed) {
}
