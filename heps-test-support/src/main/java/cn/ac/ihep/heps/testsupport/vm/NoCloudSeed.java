package cn.ac.ihep.heps.testsupport.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A cloud-init NoCloud seed: an ISO 9660 image labelled {@code cidata} holding
 * {@code meta-data} and {@code user-data}, made with Debian's genisoimage. A guest with
 * cloud-init reads it like Nova's user data.
 */
public final class NoCloudSeed {

    private NoCloudSeed() {
    }

    /** Writes the seed image {@code iso} for an instance with this id, host name and user data. */
    public static Path write(Path iso, String instanceId, String hostname, String userData) throws IOException {
        Path dir = Files.createTempDirectory(iso.toAbsolutePath().getParent(), "cidata-");
        Files.writeString(dir.resolve("meta-data"), "instance-id: " + instanceId + "\nlocal-hostname: " + hostname + "\n");
        Files.writeString(dir.resolve("user-data"), userData);
        Process genisoimage = new ProcessBuilder("genisoimage", "-quiet", "-output", iso.toString(), "-volid", "cidata",
                "-joliet", "-rock", dir.resolve("user-data").toString(), dir.resolve("meta-data").toString())
                .redirectErrorStream(true).start();
        try {
            String output = new String(genisoimage.getInputStream().readAllBytes());
            if (!genisoimage.waitFor(60, TimeUnit.SECONDS) || genisoimage.exitValue() != 0) {
                throw new IOException("genisoimage could not write " + iso + ": " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            genisoimage.destroyForcibly();
            throw new IOException("interrupted while writing " + iso, e);
        } finally {
            Files.delete(dir.resolve("meta-data"));
            Files.delete(dir.resolve("user-data"));
            Files.delete(dir);
        }
        return iso;
    }
}
