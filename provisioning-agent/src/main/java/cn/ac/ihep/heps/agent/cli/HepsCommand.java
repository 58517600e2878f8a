package cn.ac.ihep.heps.agent.cli;

import cn.ac.ihep.heps.agent.cli.support.ErrorReporting;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code heps} operator command: nouns as subcommands, verbs below them (CONTRACTS §4). */
@Command(name = "heps",
        mixinStandardHelpOptions = true,
        versionProvider = HepsVersion.class,
        description = "Operate HEPS cloud desktops: experiments, desktop VMs, GPUs, images, tokens and the agent.",
        subcommands = {
                CommandLine.HelpCommand.class,
        })
public class HepsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a subcommand");
    }

    /** The command line with our error reporting installed; tests call this too. */
    public static CommandLine commandLine() {
        return ErrorReporting.install(new CommandLine(new HepsCommand()));
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
