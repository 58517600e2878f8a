package cn.ac.ihep.heps.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cn.ac.ihep.heps.auth.testing.BuiltExtension;
import cn.ac.ihep.heps.auth.testing.SigningKey;
import cn.ac.ihep.heps.auth.testing.TokenMint;
import cn.ac.ihep.heps.testsupport.guacamole.GuacamoleHarness;
import cn.ac.ihep.heps.testsupport.guacamole.Login;
import cn.ac.ihep.heps.testsupport.guacamole.TestRequest;
import cn.ac.ihep.heps.testsupport.ldap.DirectoryFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.guacamole.form.RedirectField;
import org.apache.guacamole.net.auth.credentials.GuacamoleInsufficientCredentialsException;
import org.apache.guacamole.net.auth.credentials.GuacamoleInvalidCredentialsException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hand-off end to end: the built jar in the harness, a POSIX directory on loopback. */
class PortalLoginIT {

    static final SigningKey ES256 = SigningKey.es256("portal-2026-1");
    static DirectoryFixture directory;
    static GuacamoleHarness guacamole;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        directory = DirectoryFixture.posix();
        Path keys = dir.resolve("jwks.json");
        Files.writeString(keys, SigningKey.jwks(List.of(ES256)));
        guacamole = GuacamoleHarness.builder()
                .properties(Map.of(
                        "heps-jwt-issuer", TokenMint.ISSUER,
                        "heps-jwt-audience", TokenMint.AUDIENCE,
                        "heps-jwt-keys", keys.toString(),
                        "heps-jwt-trust-groups", "true",
                        "heps-portal-url", "https://portal.heps.example/desktop",
                        // A dead server first: failover must reach the live one.
                        "heps-ldap-urls", "ldap://127.0.0.1:1 " + directory.url(),
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

    private static Login login(String token) throws Exception {
        return guacamole.login(TestRequest.builder().parameter("heps_token", token).remoteAddress("192.0.2.7").build());
    }

    @Test
    void extensionRunsInItsOwnLoaderWithItsBundledLibraries() {
        var extension = guacamole.extensions().get(0);
        var provider = extension.authenticationProviders().get(0);
        assertEquals("heps", provider.getIdentifier());
        assertEquals(extension.classLoader(), provider.getClass().getClassLoader());
        assertNotSame(getClass().getClassLoader(), provider.getClass().getClassLoader());
        assertEquals(21, extension.classLoader().bundledLibraryCount(), "bundled jars on the extension's path");
    }

    @Test
    void validTokenSignsTheUserInWithTokenAndDirectoryGroups() throws Exception {
        Login login = login(TokenMint.with(ES256).subject("alice").groups("exp-from-portal").mint());
        assertEquals("alice", login.user().getIdentifier());
        assertEquals("heps", login.user().getAuthenticationProvider().getIdentifier());
        assertEquals(Set.of("exp-from-portal", "exp-2026-001", "beamline-b1"), login.user().getEffectiveUserGroups());
    }

    @Test
    void userWithoutGroupsAnywhereGetsNone() throws Exception {
        Login login = login(TokenMint.with(ES256).subject("erin").mint());
        assertEquals(Set.of(), login.user().getEffectiveUserGroups());
    }

    @Test
    void noTokenRedirectsToThePortal() {
        var failure = assertThrows(GuacamoleInsufficientCredentialsException.class,
                () -> guacamole.login(TestRequest.builder().build()));
        var field = assertInstanceOf(RedirectField.class, failure.getCredentialsInfo().getFields().iterator().next());
        assertEquals("https://portal.heps.example/desktop", field.getRedirectUrl());
    }

    @Test
    void accountLockedWithPpolicyIsRefused() {
        assertRefused(TokenMint.with(ES256).subject("bob").mint());
    }

    @Test
    void accountLockedWithNsAccountLockIsRefused() {
        assertRefused(TokenMint.with(ES256).subject("carol").mint());
    }

    @Test
    void subjectUnknownToTheDirectoryIsRefused() {
        assertRefused(TokenMint.with(ES256).subject("mallory").mint());
    }

    @Test
    void filterCharactersInTheSubjectMatchNobody() {
        for (String subject : List.of("*", "alic*", "alice)(uid=*", "*)(|(uid=*", "alice\\", "alice\u0000", "(uid=alice)"))
            assertRefused(TokenMint.with(ES256).subject(subject).mint());
    }

    static void assertRefused(String token) {
        var failure = assertThrows(GuacamoleInvalidCredentialsException.class, () -> login(token));
        assertEquals("Invalid login.", failure.getMessage());
        assertEquals(0, failure.getCredentialsInfo().getFields().size());
    }
}
