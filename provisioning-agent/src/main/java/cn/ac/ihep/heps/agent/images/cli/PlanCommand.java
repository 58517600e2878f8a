package cn.ac.ihep.heps.agent.images.cli;

import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.cli.support.Progress;
import cn.ac.ihep.heps.agent.cli.support.TablePrinter;
import cn.ac.ihep.heps.agent.images.catalog.ImageCatalog;
import cn.ac.ihep.heps.agent.images.hash.RecipeHasher;
import cn.ac.ihep.heps.agent.images.plan.BuildPlanner;
import cn.ac.ihep.heps.agent.images.plan.PlanEntry;
import cn.ac.ihep.heps.agent.images.recipe.InputResolver;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLibrary;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code heps images plan}: which beamlines a build would rebuild, and why. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Compare each beamline's recipe hash with its current Glance image and say what would be built",
                "and why (which component was added, removed, re-versioned, changed or skipped). Which components are",
                "skipped (a site-provided input such as an installer URL is unset) depends on the site file: pass --site",
                "as for build. Changes nothing."})
class PlanCommand extends ImagesVerb {

    @Parameters(paramLabel = "BEAMLINE", arity = "0..*", description = "Beamlines to plan (default: all).")
    List<String> named;

    @Override
    Integer execute() {
        RecipeLibrary library = library();
        InputResolver inputs = new InputResolver(site());
        List<String> ids = beamlines(library, named);
        List<PlanEntry> plan;
        try (Progress progress = Progress.onStderr()) {
            progress.step("reading the current images of " + ids.size() + " beamline(s) from Glance");
            plan = new BuildPlanner(new RecipeHasher(), new ImageCatalog(cloud()), inputs).plan(library, ids);
        }
        long toBuild = plan.stream().filter(PlanEntry::needsBuild).count();
        output.printer().printObject(plan, out -> {
            TablePrinter table = new TablePrinter("BEAMLINE", "ACTION", "CURRENT IMAGE", "WHY");
            plan.forEach(entry -> table.row(entry.beamline(), entry.action().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                    entry.currentImageId(), entry.reasons().isEmpty() ? "-" : String.join("; ", entry.reasons())));
            table.print(out);
            plan.forEach(entry -> entry.skipped().forEach(skip -> out.println(entry.beamline() + ": " + skip.describe())));
            out.println(toBuild + " of " + plan.size() + " beamline(s) would be built");
        });
        return ExitCode.OK;
    }
}
