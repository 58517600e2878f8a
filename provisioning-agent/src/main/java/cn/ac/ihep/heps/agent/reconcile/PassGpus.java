package cn.ac.ihep.heps.agent.reconcile;

import cn.ac.ihep.heps.agent.gpu.GpuCalendar;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * One reconcile pass's view of the GPUs. Placement is read at most once per pass, and not
 * again after it failed, so N GPU desktops never cost N timeouts. Outlooks of desktops not yet
 * due may use a reading less than {@link #RECENT} old, kept between passes in {@link Recent};
 * a desktop about to boot always gets this pass's own reading. The GPU calendar is made once
 * per pass, and made again only when a booting desktop needs it from a fresh reading.
 */
final class PassGpus {

    /** How old a Placement reading may be for outlooks and for the metrics. */
    static final Duration RECENT = Duration.ofSeconds(60);

    /** The last Placement reading, kept by the reconciler from one pass to the next. */
    static final class Recent {
        private volatile List<GpuInventory> inventory;
        private volatile Instant readAt = Instant.MIN;
    }

    private final CloudProvider cloud;
    private final AgentMetrics metrics;
    private final Recent recent;
    private final Instant now;
    /** Makes the calendar for a resource class from an inventory (the reconciler adds its records). */
    private final BiFunction<String, List<GpuInventory>, GpuCalendar> calendarMaker;

    private List<GpuInventory> inventory;
    private CloudException failure;
    private GpuCalendar calendar;
    private boolean calendarFresh;

    PassGpus(CloudProvider cloud, AgentMetrics metrics, Recent recent, Instant now,
            BiFunction<String, List<GpuInventory>, GpuCalendar> calendarMaker) {
        this.cloud = cloud;
        this.metrics = metrics;
        this.recent = recent;
        this.now = now;
        this.calendarMaker = calendarMaker;
    }

    /** This pass's Placement reading, kept current with the pass's own placements. */
    List<GpuInventory> inventory() {
        if (failure != null) {
            throw failure;
        }
        if (inventory == null) {
            try {
                inventory = new ArrayList<>(cloud.gpuInventory());
            } catch (CloudException e) {
                failure = e;
                throw e;
            }
            metrics.gpuInventory(inventory);
            recent.inventory = List.copyOf(inventory);
            recent.readAt = now;
        }
        return inventory;
    }

    /** This pass's reading if it made one, else one less than {@link #RECENT} old, else a new one. */
    List<GpuInventory> recentInventory() {
        if (inventory != null || failure != null || !recentIsFresh()) {
            return inventory();
        }
        return recent.inventory;
    }

    /** The calendar; {@code fresh} when a desktop is about to boot on its answer. */
    GpuCalendar calendar(String resourceClass, boolean fresh) {
        if (calendar == null || fresh && !calendarFresh) {
            List<GpuInventory> rows = fresh ? inventory() : recentInventory();
            calendar = calendarMaker.apply(resourceClass, rows);
            calendarFresh = rows == inventory;
        }
        return calendar;
    }

    /** The calendar if this pass made one: none means no GPU desktop was waiting for one. */
    Optional<GpuCalendar> calendarIfMade() {
        return Optional.ofNullable(calendar);
    }

    /** Counts GPUs this pass just booted a desktop onto, so the pass never overcommits a host. */
    void consume(String host, String resourceClass, int count) {
        for (int i = 0; i < inventory.size() && count > 0; i++) {
            GpuInventory row = inventory.get(i);
            if (row.host().equals(host) && row.resourceClass().equals(resourceClass)) {
                int taken = Math.min(count, row.free());
                inventory.set(i, new GpuInventory(row.host(), row.resourceClass(), row.total(), row.used() + taken));
                count -= taken;
            }
        }
    }

    /**
     * Keeps the GPU gauges current: the pass's own reading as its placements left it, or a new
     * one when the last is older than {@link #RECENT}.
     */
    void refreshGauges() {
        if (inventory != null) {
            metrics.gpuInventory(inventory);
        } else if (!recentIsFresh()) {
            inventory();
        }
    }

    private boolean recentIsFresh() {
        return recent.inventory != null && now.isBefore(recent.readAt.plus(RECENT));
    }
}
