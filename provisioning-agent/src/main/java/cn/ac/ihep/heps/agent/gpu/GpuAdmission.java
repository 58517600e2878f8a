package cn.ac.ihep.heps.agent.gpu;

import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Decides whether a GPU request fits anywhere, and when it does not, says why in words an
 * operator can act on. Nova would only report "No valid host was found" after the boot failed;
 * holding the desktop here keeps it pending until capacity frees instead.
 */
final class GpuAdmission {

    private GpuAdmission() {
    }

    /** Hosts offering the request's class with enough free GPUs, in inventory order. */
    static List<GpuInventory> hostsThatFit(GpuRequest request, List<GpuInventory> inventory) {
        Objects.requireNonNull(request, "request");
        return HostGpus.ofClass(request.resourceClass(), inventory).stream()
                .filter(host -> host.free() >= request.count())
                .toList();
    }

    /** The hold for a request that {@link #hostsThatFit} found no host for. */
    static PlacementDecision.Hold hold(GpuRequest request, List<GpuInventory> inventory) {
        String needs = "needs " + request.count() + " × " + request.resourceClass() + " on one host";
        List<GpuInventory> hosts = HostGpus.ofClass(request.resourceClass(), inventory);
        if (hosts.isEmpty()) {
            TreeSet<String> offered = new TreeSet<>();
            inventory.forEach(row -> offered.add(row.resourceClass()));
            return new PlacementDecision.Hold(needs + "; no compute host offers "
                    + request.resourceClass()
                    + (offered.isEmpty() ? " (Placement reports no GPUs at all)"
                            : " (classes offered: " + String.join(", ", offered) + ")")
                    + "; waiting will not help: check the flavor's GPU alias");
        }
        GpuInventory largest = hosts.stream().max(byTotalThenName()).orElseThrow();
        if (largest.total() < request.count()) {
            return new PlacementDecision.Hold(needs + "; the largest host has "
                    + largest.total() + " in total (" + largest.host()
                    + "); waiting will not help: use a flavor with at most "
                    + largest.total() + " GPUs");
        }
        GpuInventory mostFree = hosts.stream().max(byFreeThenName()).orElseThrow();
        int freeEverywhere = hosts.stream().mapToInt(GpuInventory::free).sum();
        long hostsWithFree = hosts.stream().filter(host -> host.free() > 0).count();
        String spread = freeEverywhere >= request.count()
                ? "; " + freeEverywhere + " are free in all but spread over " + hostsWithFree + " hosts"
                : "";
        return new PlacementDecision.Hold(needs + "; the most free on any host is "
                + mostFree.free() + " (" + mostFree.host() + ")" + spread
                + "; held until capacity frees");
    }

    /** Convenience for strategies: the chosen host, or the hold when none fits. */
    static PlacementDecision decide(GpuRequest request, List<GpuInventory> inventory,
            Comparator<GpuInventory> preference) {
        Optional<GpuInventory> best = hostsThatFit(request, inventory).stream().min(preference);
        return best.<PlacementDecision>map(host -> new PlacementDecision.Place(host.host()))
                .orElseGet(() -> hold(request, inventory));
    }

    private static Comparator<GpuInventory> byTotalThenName() {
        return Comparator.comparingInt(GpuInventory::total)
                .thenComparing(GpuInventory::host, Comparator.reverseOrder());
    }

    private static Comparator<GpuInventory> byFreeThenName() {
        return Comparator.comparingInt(GpuInventory::free)
                .thenComparing(GpuInventory::host, Comparator.reverseOrder());
    }
}
