package cn.ac.ihep.heps.agent.images.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code heps images base}: the Linux base images the beamline recipes are built on. */
@Command(name = "base", mixinStandardHelpOptions = true,
        description = {"Linux base images made from Debian's packages alone (images/base/<name>.yaml), cached by the",
                "hash of their recipe and package list."},
        subcommands = {BaseBuildCommand.class, BaseUploadCommand.class})
public class BaseCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a verb: build or upload");
    }
}
