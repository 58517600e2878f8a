package cn.ac.ihep.heps.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cn.ac.ihep.heps.auth.testing.BuiltExtension;
import cn.ac.ihep.heps.auth.testing.SigningKey;
import cn.ac.ihep.heps.auth.testing.TokenMint;
import cn.ac.ihep.heps.testsupport.guacamole.GuacamoleHarness;
import cn.ac.ihep.heps.testsupport.guacamole.TestRequest;
import cn.ac.ihep.heps.testsupport.ldap.DirectoryFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.guacamole.net.auth.credentials.GuacamoleInvalidCredentialsException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Active Directory: sAMAccountName, userAccountControl, nested groups through the in-chain
 * matching rule (evaluated by the fixture, which the in-memory server cannot do itself), and
 * token groups not trusted (the default), so groups come from the directory alone.
 */
class ActiveDirectoryIT {

    static final SigningKey KEY = SigningKey.es256("ad-test");
    static DirectoryFixture directory;
    static GuacamoleHarness guacamole;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        directory = DirectoryFixture.activeDirectory();
        Path keys = dir.resolve("jwks.json");
        Files.writeString(keys, SigningKey.jwks(List.of(KEY)));
        guacamole = GuacamoleHarness.builder()
                .properties(Map.of(
                        "heps-jwt-issuer", TokenMint.ISSUER,
                        "heps-jwt-audience", TokenMint.AUDIENCE,
                        "heps-jwt-keys", keys.toString(),
                        "heps-ldap-directory-type", "ad",
                        "heps-ldap-urls", directory.url(),
                        "heps-ldap-bind-dn", directory.bindDn(),
                        "heps-ldap-bind-password", directory.bindPassword(),
                        "heps-ldap-user-base-dn", directory.userBaseDn(),
                        "heps-ldap-group-base-dn", directory.groupBaseDn()))
                .extension(BuiltExtension.jar())
                .start();
    }

    @AfterAll
    static void stop() {
        guacamole.close();
        directory.close();
    }

    @Test
    void nestedGroupsComeFromTheInChainQueryAndUntrustedTokenGroupsAreDropped() throws Exception {
        var login = guacamole.login(TestRequest.withParameter("heps_token",
                TokenMint.with(KEY).subject("alice").groups("admins").mint()));
        assertEquals("alice", login.user().getIdentifier());
        assertEquals(Set.of("exp-2026-001", "beamline-b1", "facility-users"), login.user().getEffectiveUserGroups());
    }

    @Test
    void enabledAccountWithOtherFlagsSignsIn() throws Exception {
        var login = guacamole.login(TestRequest.withParameter("heps_token", TokenMint.with(KEY).subject("frank").mint()));
        assertEquals(Set.of("other"), login.user().getEffectiveUserGroups());
    }

    @Test
    void disabledAccountIsRefused() {
        var failure = assertThrows(GuacamoleInvalidCredentialsException.class, () -> guacamole.login(
                TestRequest.withParameter("heps_token", TokenMint.with(KEY).subject("dave").mint())));
        assertEquals("Invalid login.", failure.getMessage());
    }

    @Test
    void filterCharactersInTheSubjectAreRefusedBeforeTheDirectoryIsAsked() {
        long before = directory.searchCount();
        for (String subject : List.of("*", "ali*", "alice)(sAMAccountName=*", "alice\u0000", "\\2a"))
            assertThrows(GuacamoleInvalidCredentialsException.class, () -> guacamole.login(
                    TestRequest.withParameter("heps_token", TokenMint.with(KEY).subject(subject).mint())));
        // heps-username-pattern refuses them at the edge; DirectoryService still escapes every
        // value it puts in a filter, should a site widen the pattern.
        assertEquals(before, directory.searchCount(), "no subject reached the directory");
    }
}
