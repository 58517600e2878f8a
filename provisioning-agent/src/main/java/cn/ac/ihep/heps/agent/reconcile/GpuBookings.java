package cn.ac.ihep.heps.agent.reconcile;

import cn.ac.ihep.heps.agent.desktop.Desktop;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.gpu.GpuCalendar;
import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The GPU calendar made from the agent's own records: a desktop with a VM on a host holds its
 * GPUs until its window ends; every member of a current or future GPU experiment without a VM
 * is wanted from the moment its desktop is due ({@code leadTime} before the window) to the
 * window's end. The reconcile loop plans with it; {@code heps gpus plan} shows it.
 */
public final class GpuBookings {

    private GpuBookings() {
    }

    /** How the calendar names a member's desktop: {@code <proposal>/<user>}, as the CLI does. */
    public static String key(Experiment experiment, String member) {
        return experiment.proposalId() + "/" + member;
    }

    /** The configured resource class, or the only one Placement reports; empty when that is ambiguous. */
    public static Optional<String> resourceClass(Optional<String> configured, List<GpuInventory> inventory) {
        if (configured.isPresent()) {
            return configured;
        }
        TreeSet<String> classes = new TreeSet<>();
        inventory.forEach(row -> classes.add(row.resourceClass()));
        return classes.size() == 1 ? Optional.of(classes.first()) : Optional.empty();
    }

    public static GpuCalendar plan(String resourceClass, List<GpuInventory> inventory, List<Experiment> experiments,
            List<Desktop> desktops, Duration leadTime, Instant now) {
        Map<Long, Experiment> byId = new HashMap<>();
        experiments.forEach(e -> byId.put(e.id(), e));
        Map<String, Desktop> rows = new HashMap<>();
        List<GpuCalendar.Booked> booked = new ArrayList<>();
        for (Desktop desktop : desktops) {
            Experiment experiment = byId.get(desktop.experimentId());
            if (experiment == null) {
                continue;
            }
            rows.put(key(experiment, desktop.username()), desktop);
            // A shelved desktop holds nothing: an idle one gets GPUs again only when it is woken.
            boolean holdsGpus = desktop.serverId() != null && desktop.host() != null
                    && desktop.state() != DesktopState.SHELVED && desktop.state() != DesktopState.SHELVED_IDLE
                    && desktop.state() != DesktopState.DELETED;
            if (holdsGpus && experiment.desktop().gpus() > 0) {
                booked.add(new GpuCalendar.Booked(desktop.host(), experiment.desktop().gpus(), experiment.endsAt()));
            }
        }
        List<GpuCalendar.Upcoming> upcoming = new ArrayList<>();
        for (Experiment experiment : experiments) {
            if (experiment.desktop().gpus() == 0 || !experiment.endsAt().isAfter(now)) {
                continue;
            }
            for (String member : experiment.members()) {
                Desktop row = rows.get(key(experiment, member));
                if (row == null || row.serverId() == null && row.state() != DesktopState.DELETED) {
                    upcoming.add(new GpuCalendar.Upcoming(key(experiment, member),
                            Phase.startOf(experiment, leadTime), experiment.endsAt(), experiment.desktop().gpus()));
                }
            }
        }
        return GpuCalendar.plan(resourceClass, inventory, booked, upcoming, now);
    }
}
