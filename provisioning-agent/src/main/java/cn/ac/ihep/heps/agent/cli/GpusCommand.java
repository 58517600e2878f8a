package cn.ac.ihep.heps.agent.cli;

import cn.ac.ihep.heps.agent.cli.support.BadInputException;
import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.cli.support.OutputOptions;
import cn.ac.ihep.heps.agent.cli.support.Progress;
import cn.ac.ihep.heps.agent.cli.support.TablePrinter;
import cn.ac.ihep.heps.agent.gpu.GpuCalendar;
import cn.ac.ihep.heps.agent.gpu.GpuInventoryReport;
import cn.ac.ihep.heps.agent.reconcile.GpuBookings;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code heps gpus}: GPU inventory per host from Placement, with stranded GPUs; {@code heps gpus plan}: the GPU calendar. */
@Command(name = "gpus", mixinStandardHelpOptions = true,
        description = {"GPUs per compute host and resource class, as Placement counts them.",
                "STRANDED: free GPUs on a host with too few free for a 2-GPU desktop."},
        subcommands = GpusCommand.PlanVerb.class)
class GpusCommand extends ContextCommand {
    @Mixin
    OutputOptions output;

    @Override
    Integer execute() {
        List<GpuInventory> inventory;
        try (Progress progress = Progress.onStderr()) {
            progress.step("reading GPU inventory from Placement");
            inventory = context().cloud().gpuInventory();
        }
        GpuInventoryReport report = GpuInventoryReport.of(inventory);
        output.printer().printObject(report, out -> {
            TablePrinter hosts = new TablePrinter("HOST", "CLASS", "TOTAL", "USED", "FREE", "STRANDED");
            report.hosts().forEach(h -> hosts.row(h.host(), h.resourceClass(), h.total(), h.used(), h.free(),
                    h.stranded()));
            hosts.print(out);
            if (report.hosts().isEmpty()) {
                out.println("(Placement reports no GPUs: check the compute nodes' PCI device_spec)");
            }
        });
        return ExitCode.OK;
    }

    @Command(name = "plan", mixinStandardHelpOptions = true,
            description = {"The GPU calendar: every GPU desktop without a VM yet, when it is due, and the host",
                    "its GPUs are planned on, or AT RISK (HELD once due) with the most any host has free",
                    "throughout its window.",
                    "The reconcile loop makes the same plan on every pass."})
    static class PlanVerb extends ContextCommand {
        @Mixin
        OutputOptions output;

        @Override
        Integer execute() {
            GpuCalendar calendar;
            try (Progress progress = Progress.onStderr()) {
                progress.step("reading GPU inventory from Placement");
                List<GpuInventory> inventory = context().cloud().gpuInventory();
                String resourceClass = GpuBookings.resourceClass(context().configuration().gpuResourceClass(), inventory)
                        .orElseThrow(() -> new BadInputException("Placement reports several GPU resource classes "
                                + "(or none): set gpu-resource-class (HEPS_GPU_RESOURCE_CLASS)"));
                progress.step("planning " + resourceClass + " against the experiments in the database");
                calendar = GpuBookings.plan(resourceClass, inventory, context().experiments().list(),
                        context().desktops().list(DesktopRepository.Filter.all()),
                        context().configuration().startLeadTime(), context().clock().instant());
            }
            List<GpuCalendar.Entry> entries = calendar.entries();
            output.printer().printObject(entries, out -> {
                TablePrinter table = new TablePrinter("DESKTOP", "DUE", "UNTIL", "GPUS", "PLAN");
                for (GpuCalendar.Entry entry : entries) {
                    table.row(entry.key(), entry.start(), entry.end(), entry.gpus() + " × " + calendar.resourceClass(),
                            entry.planned() ? entry.host()
                                    : (entry.due() ? "HELD" : "AT RISK") + " (most free throughout: " + entry.mostFreeThroughout()
                                            + (entry.mostFreeHost() == null ? "" : " on " + entry.mostFreeHost()) + ")");
                }
                table.print(out);
                if (entries.isEmpty()) {
                    out.println("(no GPU desktop is waiting for a VM)");
                }
            });
            return ExitCode.OK;
        }
    }
}
