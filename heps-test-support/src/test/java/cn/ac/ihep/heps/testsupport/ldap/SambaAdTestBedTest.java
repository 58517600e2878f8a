package cn.ac.ihep.heps.testsupport.ldap;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A test that needs the Samba AD test bed fails, never skips, and says how to start it. */
class SambaAdTestBedTest {

    @Test
    void aMissingTestBedFailsWithWhatToRun(@TempDir Path home) {
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> SambaAdTestBed.require(home));
        assertTrue(missing.getMessage().contains("run dev/samba-ad/up"), missing.getMessage());
    }

    @Test
    void aTestBedThatCannotBeReachedFailsWithWhatToRun(@TempDir Path home) throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Files.writeString(home.resolve("ca.pem"), "");
        Files.writeString(home.resolve("test-bed.properties"), String.join("\n",
                "url=ldaps://127.0.0.1:" + port, "base-dn=DC=heps,DC=test",
                "bind-dn=CN=Administrator,CN=Users,DC=heps,DC=test", "bind-password=x",
                "ca-file=" + home.resolve("ca.pem"), "upn-suffix=heps.test", ""));
        IllegalStateException down = assertThrows(IllegalStateException.class, () -> SambaAdTestBed.require(home));
        assertTrue(down.getMessage().contains("does not answer") && down.getMessage().contains("run dev/samba-ad/up"),
                down.getMessage());
    }
}
