package cn.ac.ihep.heps.agent.images.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BuildSettingsTest {

    private static final BuildSettings DEFAULTS = BuildSettings.defaults("m1.builder", "heps-build");

    @Test
    void thereIsNoPackageProxyUnlessTheSiteSetsOne() {
        assertEquals(Optional.empty(), DEFAULTS.packageProxy());
    }

    @Test
    void thePackageProxySurvivesTheOtherWithers() {
        URI proxy = URI.create("http://10.42.0.1:3142");
        BuildSettings settings = DEFAULTS.withPackageProxy(proxy).withLease(Duration.ofMinutes(5)).withKeepVersions(2, false)
                .withTimeouts(Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(3), Duration.ofMinutes(4),
                        Duration.ofSeconds(5))
                .withSignalCredential(new SignalCredential("http://keystone/v3", "http://nova/v2.1", "id", "secret"));
        assertEquals(Optional.of(proxy), settings.packageProxy());
        assertEquals(Optional.of(URI.create("https://proxy.heps.example/")),
                DEFAULTS.withPackageProxy(URI.create("https://proxy.heps.example/")).packageProxy());
    }

    @Test
    void aProxyWithCredentialsIsRefusedWithoutRepeatingThem() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> DEFAULTS.withPackageProxy(URI.create("http://builder:hunter2@10.42.0.1:3142")));
        assertTrue(error.getMessage().contains("package proxy") && error.getMessage().contains("user name or password"),
                error.getMessage());
        assertFalse(error.getMessage().contains("hunter2"), error.getMessage());
    }

    @Test
    void aProxyThatIsNotAnHttpUrlWithAHostIsRefused() {
        for (String[] bad : new String[][] {
                {"ftp://10.42.0.1:3142", "must be an http or https URL"},
                {"socks5://10.42.0.1:1080", "must be an http or https URL"},
                {"10.42.0.1", "must be an http or https URL"},
                {"http:/apt-cacher", "has no host"},
                {"http:apt-cacher:3142", "has no host"},
                {"http://10.42.0.1:3142/?token=x", "must not have a query or fragment"},
                {"http://10.42.0.1:3142/#apt", "must not have a query or fragment"}}) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> DEFAULTS.withPackageProxy(URI.create(bad[0])), bad[0]);
            assertTrue(error.getMessage().startsWith("The package proxy '" + bad[0] + "' " + bad[1]), error.getMessage());
        }
    }
}
