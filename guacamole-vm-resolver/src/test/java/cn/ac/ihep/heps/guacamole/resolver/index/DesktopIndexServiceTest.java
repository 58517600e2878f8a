package cn.ac.ihep.heps.guacamole.resolver.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.testsupport.time.MutableClock;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import cn.ac.ihep.heps.guacamole.resolver.InMemoryCloud;
import cn.ac.ihep.heps.guacamole.resolver.PropertiesEnvironment;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DesktopIndexServiceTest {

    private final InMemoryCloud cloud = new InMemoryCloud();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private DesktopIndexService service;

    @BeforeEach
    void setUp() throws Exception {
        cloud.put(InMemoryCloud.server("vm-alice", "alice-desktop", ServerState.ACTIVE, "10.0.0.5",
                Set.of("heps-desktop", "heps-owner:alice"), Map.of("heps.protocol", "vnc")));
        cloud.put(InMemoryCloud.server("vm-shared", "b1-shared", ServerState.ACTIVE, "10.0.0.6",
                Set.of("heps-desktop", "heps-owner:carol", "heps-group:exp-42"), Map.of("heps.protocol", "rdp")));
        ConfigurationService configuration = new ConfigurationService(new PropertiesEnvironment());
        service = new DesktopIndexService(cloud, new DesktopFactory(cloud, configuration), configuration, clock);
        service.refreshNow();
    }

    @AfterEach
    void tearDown() {
        service.close();
    }

    @Test
    void aUserWithADesktopIsAnsweredFromTheIndexWithoutCallingNova() {
        int before = cloud.listCalls();
        clock.advance(Duration.ofSeconds(14));
        DesktopLookup lookup = service.lookup(new DesktopPrincipal("alice", Set.of()));
        assertEquals(List.of("vm-alice"), ids(lookup));
        assertEquals(before, cloud.listCalls());
        assertEquals(Duration.ofSeconds(14), lookup.indexAge());
    }

    @Test
    void groupMembershipGrantsTheSharedDesktop() {
        DesktopLookup lookup = service.lookup(new DesktopPrincipal("dave", Set.of("exp-42", "other")));
        assertEquals(List.of("vm-shared"), ids(lookup));
    }

    @Test
    void aMissRefreshesOnceAndFindsANewlyCreatedDesktop() {
        cloud.put(InMemoryCloud.server("vm-erin", "erin-desktop", ServerState.BUILDING, null,
                Set.of("heps-desktop", "heps-owner:erin"), Map.of()));
        clock.advance(Duration.ofSeconds(6));
        int before = cloud.listCalls();
        assertEquals(List.of("vm-erin"), ids(service.lookup(new DesktopPrincipal("erin", Set.of()))));
        assertEquals(before + 1, cloud.listCalls());
    }

    @Test
    void aMissRightAfterAListingDoesNotCallNovaAgain() {
        int before = cloud.listCalls();
        clock.advance(Duration.ofSeconds(4));
        assertTrue(service.lookup(new DesktopPrincipal("nobody", Set.of())).desktops().isEmpty());
        assertEquals(before, cloud.listCalls());
    }

    @Test
    void concurrentMissesShareOneRefresh() throws Exception {
        clock.advance(Duration.ofSeconds(30));
        int before = cloud.listCalls();
        CountDownLatch gate = cloud.holdListings();
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<Future<DesktopLookup>> answers = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String user = "newcomer-" + i;
                answers.add(pool.submit(() -> service.lookup(new DesktopPrincipal(user, Set.of()))));
            }
            // Let every caller reach the refresh before Nova answers.
            Thread.sleep(300);
            cloud.put(InMemoryCloud.server("vm-n7", "n7", ServerState.ACTIVE, "10.0.0.9",
                    Set.of("heps-desktop", "heps-owner:newcomer-7"), Map.of()));
            gate.countDown();
            for (int i = 0; i < 50; i++) {
                DesktopLookup lookup = answers.get(i).get(10, TimeUnit.SECONDS);
                assertEquals(i == 7 ? List.of("vm-n7") : List.of(), ids(lookup), "newcomer-" + i);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(before + 1, cloud.listCalls(), "one listing for the whole burst");
    }

    @Test
    void whenNovaIsDownTheLastGoodIndexKeepsServing() {
        cloud.setDown(true);
        clock.advance(Duration.ofMinutes(5));
        assertThrowsCloud(() -> service.refreshNow());
        DesktopLookup lookup = service.lookup(new DesktopPrincipal("alice", Set.of()));
        assertEquals(List.of("vm-alice"), ids(lookup));
        assertEquals(Duration.ofMinutes(5), lookup.indexAge());
        DesktopLookup missing = service.lookup(new DesktopPrincipal("nobody", Set.of()));
        assertTrue(missing.indexAvailable());
        assertTrue(missing.desktops().isEmpty());
        assertTrue(service.failedListingCount() >= 2);
    }

    @Test
    void withoutAnyGoodListingTheLookupSaysTheIndexIsUnavailable() throws Exception {
        InMemoryCloud downCloud = new InMemoryCloud();
        downCloud.setDown(true);
        ConfigurationService configuration = new ConfigurationService(new PropertiesEnvironment());
        try (DesktopIndexService cold = new DesktopIndexService(downCloud,
                new DesktopFactory(downCloud, configuration), configuration, clock)) {
            DesktopLookup lookup = cold.lookup(new DesktopPrincipal("alice", Set.of()));
            assertFalse(lookup.indexAvailable());
            assertTrue(lookup.desktops().isEmpty());
        }
    }

    @Test
    void serversWithoutTheDesktopTagAreNeverOfferedEvenIfNovaIgnoresTheFilter() {
        // An old microversion returns every server; the resolver must not trust the filter.
        InMemoryCloud sloppy = new InMemoryCloud() ;
        sloppy.put(InMemoryCloud.server("vm-x", "not-a-desktop", ServerState.ACTIVE, "10.0.0.7",
                Set.of("heps-owner:alice"), Map.of()));
        cn.ac.ihep.heps.common.cloud.CloudProvider ignoresFilter = new ForwardingCloud(sloppy) {
            @Override
            public List<cn.ac.ihep.heps.common.cloud.CloudServer> listServers(
                    cn.ac.ihep.heps.common.cloud.ServerQuery query) {
                return sloppy.listServers(new cn.ac.ihep.heps.common.cloud.ServerQuery(Set.of(), Set.of()));
            }
        };
        try {
            ConfigurationService configuration = new ConfigurationService(new PropertiesEnvironment());
            DesktopIndexService strict = new DesktopIndexService(ignoresFilter,
                    new DesktopFactory(ignoresFilter, configuration), configuration, clock);
            strict.refreshNow();
            assertTrue(strict.lookup(new DesktopPrincipal("alice", Set.of())).desktops().isEmpty());
        } catch (org.apache.guacamole.GuacamoleException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theBackgroundJobListsOnceAtStart() throws Exception {
        InMemoryCloud fresh = new InMemoryCloud();
        ConfigurationService configuration = new ConfigurationService(new PropertiesEnvironment());
        try (DesktopIndexService background = new DesktopIndexService(fresh,
                new DesktopFactory(fresh, configuration), configuration, clock)) {
            background.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (fresh.listCalls() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(200);
            assertEquals(1, fresh.listCalls());
        }
    }

    private static List<String> ids(DesktopLookup lookup) {
        return lookup.desktops().stream().map(Desktop::id).toList();
    }

    private static void assertThrowsCloud(Runnable call) {
        try {
            call.run();
        } catch (cn.ac.ihep.heps.common.cloud.CloudException e) {
            return;
        }
        throw new AssertionError("expected the cloud call to fail");
    }
}
