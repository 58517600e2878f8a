package cn.ac.ihep.heps.guacamole.resolver.index;

import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerQuery;
import cn.ac.ihep.heps.common.desktop.DesktopTags;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.guacamole.GuacamoleException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link DesktopIndex} current and answers lookups from it.
 *
 * <p>A background job lists every {@code heps-desktop} server once per refresh interval. A
 * lookup reads the current index and never waits for Nova, unless the user has no desktop
 * in it: then one refresh runs, shared by every lookup that misses while it is in flight,
 * and skipped when the index is already younger than the miss-refresh interval (so a burst
 * of misses costs one Nova call). When Nova fails, the last good index keeps serving and
 * its age is logged.
 */
@Singleton
public class DesktopIndexService implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(DesktopIndexService.class);

    private final CloudProvider cloud;
    private final DesktopFactory desktops;
    private final Clock clock;
    private final Duration refreshInterval;
    private final Duration missRefreshInterval;
    private final Duration missRefreshTimeout;
    private final org.apache.guacamole.properties.CaseSensitivity caseSensitivity;

    private final AtomicReference<DesktopIndex> current = new AtomicReference<>();
    private final Object flightLock = new Object();
    /** The refresh in progress, shared by everyone who needs it; guarded by {@link #flightLock}. */
    private CompletableFuture<DesktopIndex> inFlight;
    private final AtomicLong listings = new AtomicLong();
    private final AtomicLong failedListings = new AtomicLong();

    private ScheduledExecutorService scheduler;

    @Inject
    public DesktopIndexService(CloudProvider cloud, DesktopFactory desktops, ConfigurationService configuration,
            Clock clock) throws GuacamoleException {
        this.cloud = cloud;
        this.desktops = desktops;
        this.clock = clock;
        this.refreshInterval = configuration.getRefreshInterval();
        this.missRefreshInterval = configuration.getMissRefreshInterval();
        this.missRefreshTimeout = configuration.getMissRefreshTimeout();
        this.caseSensitivity = configuration.getCaseSensitivity();
    }

    /** Starts the background refresh; the first listing runs at once. */
    public synchronized void start() {
        if (scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "heps-desktop-index-refresh");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::backgroundRefresh, 0, refreshInterval.toMillis(), TimeUnit.MILLISECONDS);
        logger.info("Listing desktop VMs every {} s", refreshInterval.toSeconds());
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    private void backgroundRefresh() {
        try {
            refresh(true);
        } catch (CloudException e) {
            // Already logged by refresh(); the next tick tries again.
        } catch (RuntimeException e) {
            logger.warn("Desktop index refresh failed unexpectedly: {}", e.getMessage());
            logger.debug("Refresh failure", e);
        }
    }

    /** The desktops the principal may use, from the index, refreshing it once if they have none. */
    public DesktopLookup lookup(DesktopPrincipal principal) {
        DesktopIndex index = current.get();
        if (index != null) {
            List<Desktop> found = index.desktopsFor(principal);
            if (!found.isEmpty()) {
                return new DesktopLookup(found, true, ageOf(index));
            }
        }
        DesktopIndex refreshed = refreshForMiss();
        if (refreshed == null) {
            return DesktopLookup.unavailable();
        }
        return new DesktopLookup(refreshed.desktopsFor(principal), true, ageOf(refreshed));
    }

    /**
     * Every listed desktop that passes the filter (the desktops a support user may watch), from
     * the current index and never from Nova; empty before the first listing.
     */
    public List<Desktop> matching(java.util.function.Predicate<Desktop> filter) {
        DesktopIndex index = current.get();
        return index == null ? List.of() : index.all().stream().filter(filter).toList();
    }

    /**
     * The lookup again from a listing no older than the miss-refresh interval: for a user whose
     * every desktop looked expired, in case a window was extended since the last listing.
     */
    public DesktopLookup lookupAfterRefresh(DesktopPrincipal principal) {
        DesktopIndex refreshed = refreshForMiss();
        if (refreshed == null) {
            return DesktopLookup.unavailable();
        }
        return new DesktopLookup(refreshed.desktopsFor(principal), true, ageOf(refreshed));
    }

    /** The indexed view of one server, without calling Nova. */
    public java.util.Optional<Desktop> find(String serverId) {
        DesktopIndex index = current.get();
        return index == null ? java.util.Optional.empty() : index.find(serverId);
    }

    /** Lists the desktops now, for a caller that must see the latest state, and returns the new index. */
    public DesktopIndex refreshNow() {
        return refresh(true);
    }

    private DesktopIndex refreshForMiss() {
        try {
            return refresh(false);
        } catch (CloudException e) {
            return current.get();
        }
    }

    /**
     * Runs one listing, or joins the one in flight. Unless {@code force}, a listing younger
     * than the miss-refresh interval is returned as is.
     */
    private DesktopIndex refresh(boolean force) {
        CompletableFuture<DesktopIndex> flight;
        boolean leader = false;
        synchronized (flightLock) {
            DesktopIndex index = current.get();
            if (inFlight != null) {
                flight = inFlight;
            } else if (!force && index != null && ageOf(index).compareTo(missRefreshInterval) < 0) {
                return index;
            } else {
                flight = new CompletableFuture<>();
                inFlight = flight;
                leader = true;
            }
        }
        if (leader) {
            try {
                flight.complete(listDesktops());
            } catch (RuntimeException e) {
                flight.completeExceptionally(e);
            } finally {
                synchronized (flightLock) {
                    inFlight = null;
                }
            }
        }
        return await(flight);
    }

    private DesktopIndex await(CompletableFuture<DesktopIndex> flight) {
        try {
            return flight.get(missRefreshTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CloudException cloudException) {
                throw cloudException;
            }
            throw new CloudException("Desktop listing failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            logger.warn("Desktop listing did not finish within {} s; answering from the current index",
                    missRefreshTimeout.toSeconds());
            DesktopIndex index = current.get();
            if (index == null) {
                throw new CloudException("Desktop listing timed out and no earlier listing exists", e);
            }
            return index;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloudException("Interrupted while waiting for the desktop listing", e);
        }
    }

    private DesktopIndex listDesktops() {
        Instant started = clock.instant();
        List<CloudServer> servers;
        try {
            listings.incrementAndGet();
            servers = cloud.listServers(ServerQuery.withTag(DesktopTags.DESKTOP));
        } catch (CloudException e) {
            failedListings.incrementAndGet();
            DesktopIndex stale = current.get();
            if (stale == null) {
                logger.warn("Cannot list desktop VMs ({}) and no earlier listing exists: users cannot be "
                        + "offered desktops until the cloud answers", e.getMessage());
            } else {
                logger.warn("Cannot list desktop VMs ({}); serving the last good index of {} desktops, "
                        + "listed {} s ago", e.getMessage(), stale.size(), ageOf(stale).toSeconds());
            }
            logger.debug("Listing failure", e);
            throw e;
        }
        List<Desktop> listed = new ArrayList<>(servers.size());
        for (CloudServer server : servers) {
            // Nova honours the tag filter only from microversion 2.26; never trust it blindly.
            if (server.tags().contains(DesktopTags.DESKTOP)) {
                listed.add(desktops.desktopFor(server));
            }
        }
        DesktopIndex index = DesktopIndex.of(listed, started, caseSensitivity);
        current.set(index);
        logger.debug("Listed {} desktop VMs in {} ms", index.size(),
                Duration.between(started, clock.instant()).toMillis());
        return index;
    }

    private Duration ageOf(DesktopIndex index) {
        Duration age = Duration.between(index.listedAt(), clock.instant());
        return age.isNegative() ? Duration.ZERO : age;
    }

    /** Listings attempted since start (for the benchmark and tests). */
    public long listingCount() {
        return listings.get();
    }

    public long failedListingCount() {
        return failedListings.get();
    }
}
