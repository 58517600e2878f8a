package cn.ac.ihep.heps.agent.images.cli;

import cn.ac.ihep.heps.agent.cli.support.BadInputException;
import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.cli.support.Progress;
import cn.ac.ihep.heps.agent.cli.support.TablePrinter;
import cn.ac.ihep.heps.agent.images.build.LeftoverSweeper;
import cn.ac.ihep.heps.agent.images.catalog.ImageCatalog;
import cn.ac.ihep.heps.agent.images.catalog.PruneDecision;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code heps images prune}: delete old image versions and what stopped builds left behind. */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Delete all but the newest N images of each beamline. The current image and images that desktop VMs",
                "still run from are always kept. Also removes VMs and unfinished images of builds that were stopped."})
class PruneCommand extends ImagesVerb {

    @Parameters(paramLabel = "BEAMLINE", arity = "0..*", description = "Beamlines to prune (default: all).")
    List<String> named;

    @Option(names = "--keep", paramLabel = "N", defaultValue = "3", description = "Images to keep per beamline (default: ${DEFAULT-VALUE}).")
    int keep;

    @Option(names = "--dry-run", description = "Only say what would be deleted.")
    boolean dryRun;

    @Override
    Integer execute() {
        if (keep < 1) {
            throw new BadInputException("--keep must be at least 1, so every beamline keeps an image");
        }
        List<String> ids = beamlines(library(), named);
        CloudProvider cloud = cloud();
        ImageCatalog catalog = new ImageCatalog(cloud);
        List<PruneDecision> decisions = new ArrayList<>();
        try (Progress progress = Progress.onStderr()) {
            if (!dryRun) {
                progress.step("removing leftovers of stopped builds");
                LeftoverSweeper.Swept swept = new LeftoverSweeper(cloud, Clock.systemUTC()).sweep();
                swept.servers().forEach(id -> decisions.add(new PruneDecision("-", id, "build VM",
                        PruneDecision.Action.DELETE, "left by a stopped build")));
                swept.images().forEach(id -> decisions.add(new PruneDecision("-", id, "unfinished image",
                        PruneDecision.Action.DELETE, "left by a stopped build")));
            }
            for (String id : ids) {
                progress.step("pruning " + id);
                decisions.addAll(catalog.prune(id, keep, dryRun));
            }
        }
        TablePrinter table = new TablePrinter("BEAMLINE", "IMAGE", "NAME", "ACTION", "WHY");
        output.printer().printList(decisions, table, d -> table.row(d.beamline(), d.imageId(), d.name(),
                dryRun && d.action() == PruneDecision.Action.DELETE ? "would delete" : d.action().name().toLowerCase(java.util.Locale.ROOT),
                d.reason()));
        return ExitCode.OK;
    }
}
