package cn.ac.ihep.heps.agent.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The agent's home holds secrets (the embedded database stores enrollment token hashes, the
 * audit log, directory numbers; token keys may live there): its directory is 0700 and the
 * files in it 0600, whatever the umask. On a file system without POSIX permissions nothing
 * changes, and a warning says so: the operator must protect the home another way.
 */
public final class PrivateFiles {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PrivateFiles.class);
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private PrivateFiles() {
    }

    /** Creates {@code directory} (and its parents) if needed, and makes it 0700. */
    public static void directory(Path directory) {
        try {
            Files.createDirectories(directory);
            Files.setPosixFilePermissions(directory, DIRECTORY);
        } catch (UnsupportedOperationException e) {
            notPosix(directory);
        } catch (IOException e) {
            throw new StoreException("Cannot make " + directory + " private (0700): " + e.getMessage(), e);
        }
    }

    /** Makes every regular file directly in {@code directory} whose name starts with {@code prefix} 0600. */
    public static void files(Path directory, String prefix) {
        try (Stream<Path> entries = Files.list(directory)) {
            for (Path file : (Iterable<Path>) entries::iterator) {
                if (Files.isRegularFile(file) && file.getFileName().toString().startsWith(prefix)) {
                    Files.setPosixFilePermissions(file, FILE);
                }
            }
        } catch (UnsupportedOperationException e) {
            notPosix(directory);
        } catch (IOException e) {
            throw new StoreException("Cannot make the files in " + directory + " private (0600): " + e.getMessage(), e);
        }
    }

    private static void notPosix(Path directory) {
        LOG.warn("{} is on a file system without POSIX permissions: the agent cannot make it private; "
                + "protect it another way, it holds secrets", directory);
    }
}
