package cn.ac.ihep.heps.agent.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import cn.ac.ihep.heps.agent.token.TokenKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded H2 database in a fresh and in a loosely created home: the home is 0700, its files 0600. */
class PrivateFilesTest {

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void theEmbeddedDatabaseAndItsHomeArePrivate(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("fresh/.heps");
        try (Database database = Database.open("jdbc:h2:file:" + home.resolve("agent") + ";WRITE_DELAY=0", "sa", "")) {
            database.inTransaction(c -> null);
        }
        assertEquals("rwx------", mode(home));
        List<Path> files;
        try (Stream<Path> entries = Files.list(home)) {
            files = entries.toList();
        }
        assertFalse(files.isEmpty());
        for (Path file : files) {
            assertEquals("rw-------", mode(file), file.toString());
        }
    }

    @Test
    void aHomeMadeWithAWideModeIsTightened(@TempDir Path dir) throws Exception {
        Path home = Files.createDirectories(dir.resolve("loose"));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(home.resolve("agent.trace.db"), "old trace");
        Files.setPosixFilePermissions(home.resolve("agent.trace.db"), PosixFilePermissions.fromString("rw-r--r--"));
        try (Database database = Database.open("jdbc:h2:file:" + home.resolve("agent"), "sa", "")) {
            database.inTransaction(c -> null);
        }
        assertEquals("rwx------", mode(home));
        assertEquals("rw-------", mode(home.resolve("agent.mv.db")));
        assertEquals("rw-------", mode(home.resolve("agent.trace.db")));
    }

    @Test
    void aGeneratedTokenKeyIsPrivate(@TempDir Path dir) throws Exception {
        TokenKeys.generate(dir.resolve("portal-key.pem"), dir.resolve("portal-jwks.json"), "k1");
        assertEquals("rw-------", mode(dir.resolve("portal-key.pem")));
    }
}
