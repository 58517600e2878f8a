package cn.ac.ihep.heps.agent.images.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code heps images}: per-beamline desktop images built from the recipes in {@code images/}. */
@Command(name = "images", mixinStandardHelpOptions = true,
        description = {"Per-beamline desktop images: validate the recipes, see what changed, build, list, promote and prune;",
                "and the Linux base images they are built on (heps images base build).",
                "Recipes: images/components/<name>.yaml and images/beamlines/<id>.yaml (see images/README.md)."},
        subcommands = {
                ValidateCommand.class,
                PlanCommand.class,
                BuildCommand.class,
                ListCommand.class,
                PromoteCommand.class,
                PruneCommand.class,
                BaseCommand.class,
        })
public class ImagesCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a verb: validate, plan, build, list, promote, prune or base");
    }
}
