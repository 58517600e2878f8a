package cn.ac.ihep.heps.agent.cli;

import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.cli.support.OutputOptions;
import cn.ac.ihep.heps.agent.cli.support.Progress;
import cn.ac.ihep.heps.agent.cli.support.TablePrinter;
import cn.ac.ihep.heps.agent.gpu.GpuInventoryReport;
import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code heps gpus}: GPU inventory per host from Placement, with stranded GPUs. */
@Command(name = "gpus", mixinStandardHelpOptions = true,
        description = {"GPUs per compute host and resource class, as Placement counts them.",
                "STRANDED: free GPUs on a host with too few free for a 2-GPU desktop."})
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
}
