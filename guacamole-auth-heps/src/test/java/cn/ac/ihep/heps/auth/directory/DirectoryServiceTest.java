package cn.ac.ihep.heps.auth.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cn.ac.ihep.heps.auth.conf.DirectoryType;
import cn.ac.ihep.heps.testsupport.ldap.DirectoryFixture;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Lookups against a real LDAP server (UnboundID's in-memory directory) on loopback. */
class DirectoryServiceTest {

    @Test
    void theUserIsNamedAsTheDirectorySpellsIt() throws Exception {
        try (DirectoryFixture ldap = DirectoryFixture.posix();
                DirectoryService directory = new DirectoryService(List.of(ldap.url()), Optional.of(ldap.bindDn()),
                        Optional.of(ldap.bindPassword()), ldap.userBaseDn(), "uid", ldap.groupBaseDn(),
                        DirectoryType.LDAP, 2, Duration.ofSeconds(2), Optional.empty())) {
            // uid matches case-insensitively: ALICE finds alice, and must become alice, not a second user.
            assertEquals("alice", directory.lookup("ALICE").username());
            assertEquals("alice", directory.lookup("alice").username());
        }
    }
}
