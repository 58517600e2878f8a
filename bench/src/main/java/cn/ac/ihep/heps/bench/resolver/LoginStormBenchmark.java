package cn.ac.ihep.heps.bench.resolver;

import cn.ac.ihep.heps.guacamole.resolver.VmResolverAuthenticationProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.guacamole.net.auth.AbstractAuthenticatedUser;
import org.apache.guacamole.net.auth.AuthenticationProvider;
import org.apache.guacamole.net.auth.Credentials;
import org.apache.guacamole.net.auth.UserContext;

/**
 * Login storm: 500 users resolve their desktops at the same instant, through the
 * resolver's real provider, index and refresh coordination, against a simulated Nova with
 * a realistic per-call latency. Reports the Nova API calls each storm cost and lookup-time
 * percentiles.
 *
 * <p>Storms: (1) fresh index, every user has a desktop; (2) a burst of misses after new
 * desktops were created; (3) Nova unreachable; then (4) a steady run over several refresh
 * intervals. Targets: one listing per refresh interval plus at most one per burst of
 * misses; p99 under 1 ms from the index.
 */
public final class LoginStormBenchmark {

    private static final int USERS = 500;
    private static final int GROUPS = 50;
    private static final int NEWCOMERS = 100;
    private static final int LATE_USERS = 20;
    private static final Duration NOVA_LATENCY = Duration.ofMillis(150);

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        SimulatedNova nova = new SimulatedNova(NOVA_LATENCY);
        for (int u = 0; u < USERS - NEWCOMERS; u++) {
            nova.addDesktop("vm-user-" + u, "desktop-" + u, Set.of("heps-owner:user" + u));
        }
        for (int g = 0; g < GROUPS; g++) {
            nova.addDesktop("vm-group-" + g, "shared-" + g, Set.of("heps-owner:pi" + g, "heps-group:exp-" + g));
        }
        // One thread per user in the largest storm, so all of them can be waiting at the start line.
        ExecutorService pool = Executors.newFixedThreadPool(USERS + LATE_USERS);
        try {
            System.out.printf(Locale.ROOT, "Login storm: %d users at once, %d desktops, simulated Nova latency %d ms"
                    + " per call%n%n", USERS, USERS - NEWCOMERS + GROUPS, NOVA_LATENCY.toMillis());
            burstStorms(nova, pool, rounds);
            steadyStorms(nova, pool);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Storms 1-3, with the default 15 s refresh interval so no background tick falls inside. */
    private static void burstStorms(SimulatedNova nova, ExecutorService pool, int rounds) throws Exception {
        BenchEnvironment environment = new BenchEnvironment()
                .set("heps-vm-miss-refresh-interval", "1")
                .set("heps-vm-no-desktop-action", "empty");
        VmResolverAuthenticationProvider provider = new VmResolverAuthenticationProvider(environment, nova);
        try {
            awaitFirstListing(nova);
            // Warm-up so the JIT has compiled the lookup path before it is measured.
            for (int i = 0; i < rounds; i++) {
                storm(provider, pool, existingUsers());
            }

            List<Long> fresh = new ArrayList<>();
            int freshCalls = 0;
            for (int i = 0; i < rounds; i++) {
                int before = nova.totalCalls();
                fresh.addAll(storm(provider, pool, existingUsers()));
                freshCalls += nova.totalCalls() - before;
            }
            report("1. fresh index, every user has a desktop", rounds, fresh, freshCalls, "0");

            // New desktops appear after the last listing; the index is older than the miss interval.
            for (int u = USERS - NEWCOMERS; u < USERS; u++) {
                nova.addDesktop("vm-user-" + u, "desktop-" + u, Set.of("heps-owner:user" + u));
            }
            Thread.sleep(1100);
            int beforeMiss = nova.totalCalls();
            List<Long> burst = storm(provider, pool, allUsers());
            int missCalls = nova.totalCalls() - beforeMiss;
            report("2. " + NEWCOMERS + " of the " + USERS + " users miss (desktops created since the last listing)",
                    1, burst, missCalls, "1 shared targeted listing");
            reportSplit(burst, USERS - NEWCOMERS);
            System.out.printf(Locale.ROOT, "   newcomers who found their new desktop: %d of %d%n",
                    countNewcomersFound(provider), NEWCOMERS);

            nova.setDown(true);
            for (int u = 0; u < LATE_USERS; u++) {
                nova.addDesktop("vm-late-" + u, "late-" + u, Set.of("heps-owner:late" + u));
            }
            Thread.sleep(1100);
            int beforeDown = nova.totalCalls();
            List<BenchUser> downUsers = existingUsers();
            for (int u = 0; u < LATE_USERS; u++) {
                downUsers.add(new BenchUser("late" + u, Set.of()));
            }
            List<Long> down = storm(provider, pool, downUsers);
            report("3. Nova unreachable (" + LATE_USERS + " users miss), last good index serving", 1, down,
                    nova.totalCalls() - beforeDown, "1 failed shared listing");
            reportSplit(down, USERS);
            nova.setDown(false);
        } finally {
            provider.shutdown();
        }
    }

    /** Storm 4: storms every 200 ms over five 2 s refresh intervals. */
    private static void steadyStorms(SimulatedNova nova, ExecutorService pool) throws Exception {
        int refreshSeconds = 2;
        BenchEnvironment environment = new BenchEnvironment()
                .set("heps-vm-refresh-interval", Integer.toString(refreshSeconds))
                .set("heps-vm-no-desktop-action", "empty");
        VmResolverAuthenticationProvider provider = new VmResolverAuthenticationProvider(environment, nova);
        try {
            awaitFirstListing(nova);
            int listingsBefore = nova.listCalls();
            int callsBefore = nova.totalCalls();
            long start = System.nanoTime();
            List<Long> steady = new ArrayList<>();
            int storms = 0;
            while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(refreshSeconds * 5L)) {
                steady.addAll(storm(provider, pool, allUsers()));
                storms++;
                Thread.sleep(200);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            int listings = nova.listCalls() - listingsBefore;
            report(String.format(Locale.ROOT, "4. steady: %d storms over %.1f s, refresh interval %d s", storms,
                    seconds, refreshSeconds), storms, steady, nova.totalCalls() - callsBefore,
                    "background listings only");
            // The background job waits one interval after each listing ends (fixed delay), so the
            // period is the interval plus Nova's answer time.
            System.out.printf(Locale.ROOT, "   listings: %d, %.2f per refresh interval (at most 1.00; the period is"
                    + " interval + listing time = %.2f s)%n", listings, listings / (seconds / refreshSeconds),
                    refreshSeconds + NOVA_LATENCY.toMillis() / 1000.0);
        } finally {
            provider.shutdown();
        }
    }

    private static void awaitFirstListing(SimulatedNova nova) throws InterruptedException {
        int before = nova.listCalls();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (nova.listCalls() == before && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(NOVA_LATENCY.toMillis() + 100);
    }

    private static List<BenchUser> existingUsers() {
        List<BenchUser> users = new ArrayList<>();
        for (int u = 0; u < USERS - NEWCOMERS; u++) {
            users.add(user(u));
        }
        for (int u = USERS - NEWCOMERS; u < USERS; u++) {
            // Until the newcomers' desktops exist, these users reach desktops through their group only.
            users.add(new BenchUser("member" + u, Set.of("exp-" + (u % GROUPS))));
        }
        return users;
    }

    private static List<BenchUser> allUsers() {
        List<BenchUser> users = new ArrayList<>();
        for (int u = 0; u < USERS; u++) {
            users.add(user(u));
        }
        return users;
    }

    private static BenchUser user(int u) {
        if (u >= USERS - NEWCOMERS) {
            // Newcomers belong to no experiment yet: their own new desktop is their only one.
            return new BenchUser("user" + u, Set.of("users"));
        }
        return new BenchUser("user" + u, Set.of("exp-" + (u % GROUPS), "users"));
    }

    private static int countNewcomersFound(VmResolverAuthenticationProvider provider) throws Exception {
        int found = 0;
        for (int u = USERS - NEWCOMERS; u < USERS; u++) {
            UserContext context = provider.getUserContext(user(u));
            if (context.getConnectionDirectory().getIdentifiers().contains("vm-user-" + u)) {
                found++;
            }
        }
        return found;
    }

    /** Releases every user at once; returns each lookup's duration in nanoseconds. */
    private static List<Long> storm(VmResolverAuthenticationProvider provider, ExecutorService pool,
            List<BenchUser> users) throws Exception {
        CountDownLatch ready = new CountDownLatch(users.size());
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Long>> timings = new ArrayList<>(users.size());
        for (BenchUser user : users) {
            timings.add(pool.submit(() -> {
                ready.countDown();
                go.await();
                long start = System.nanoTime();
                UserContext context = provider.getUserContext(user);
                long elapsed = System.nanoTime() - start;
                if (context == null) {
                    throw new IllegalStateException("no context for " + user.getIdentifier());
                }
                return elapsed;
            }));
        }
        ready.await();
        go.countDown();
        List<Long> result = new ArrayList<>(users.size());
        for (Future<Long> timing : timings) {
            result.add(timing.get(30, TimeUnit.SECONDS));
        }
        return result;
    }

    private static void report(String name, int storms, List<Long> nanos, int novaCalls, String target) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "%s%n   lookups %d in %d storm(s): p50 %.3f ms, p90 %.3f ms, p99 %.3f ms,"
                + " max %.3f ms%n   Nova API calls: %d (target %s)%n", name, sorted.length, storms,
                ms(percentile(sorted, 50)), ms(percentile(sorted, 90)), ms(percentile(sorted, 99)),
                ms(sorted[sorted.length - 1]), novaCalls, target);
    }

    /** The first {@code hits} timings are users whose desktop was indexed; the rest missed. */
    private static void reportSplit(List<Long> nanos, int hits) {
        long[] hit = nanos.subList(0, hits).stream().mapToLong(Long::longValue).sorted().toArray();
        long[] miss = nanos.subList(hits, nanos.size()).stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "   users answered from the index (%d): p99 %.3f ms; users who missed (%d): "
                + "p50 %.3f ms, p99 %.3f ms (they wait for the one shared listing)%n", hit.length,
                ms(percentile(hit, 99)), miss.length, ms(percentile(miss, 50)), ms(percentile(miss, 99)));
    }

    private static long percentile(long[] sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    /** A user authenticated by some other extension. */
    private static final class BenchUser extends AbstractAuthenticatedUser {

        private final Set<String> groups;

        BenchUser(String username, Set<String> groups) {
            super(true);
            setIdentifier(username);
            this.groups = new HashSet<>(groups);
        }

        @Override
        public AuthenticationProvider getAuthenticationProvider() {
            return null;
        }

        @Override
        public Credentials getCredentials() {
            return null;
        }

        @Override
        public Set<String> getEffectiveUserGroups() {
            return groups;
        }
    }
}
