package cn.ac.ihep.heps.agent.cli;

import cn.ac.ihep.heps.agent.agent.AgentContext;
import cn.ac.ihep.heps.agent.agent.CloudProviders;
import cn.ac.ihep.heps.agent.cli.support.BadInputException;
import cn.ac.ihep.heps.agent.cli.support.ErrorReporting;
import cn.ac.ihep.heps.agent.config.AgentConfiguration;
import cn.ac.ihep.heps.agent.config.ConfigurationException;
import cn.ac.ihep.heps.agent.images.cli.ImagesCommand;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The {@code heps} operator command: nouns as subcommands, verbs below them (CONTRACTS §4). */
@Command(name = "heps",
        mixinStandardHelpOptions = true,
        versionProvider = HepsVersion.class,
        description = "Operate HEPS cloud desktops: experiments, desktop VMs, GPUs, accounts, quotas, the audit log, images, tokens and the agent.",
        subcommands = {
                CommandLine.HelpCommand.class,
                ExperimentsCommand.class,
                DesktopsCommand.class,
                GpusCommand.class,
                AccountsCommand.class,
                QuotaCommand.class,
                AuditCommand.class,
                TokenCommand.class,
                AgentCommand.class,
                ImagesCommand.class,
        })
public class HepsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "Agent configuration file (default: $HEPS_CONFIG, else ~/.heps/agent.properties if present).")
    Path configFile;

    private final Function<AgentConfiguration, CloudProvider> cloudFactory;
    private final Clock clock;
    private AgentContext context;

    public HepsCommand() {
        this(CloudProviders::fromEnvironment, Clock.systemUTC());
    }

    /** For tests and embedding: a given way to reach the cloud, and a clock. */
    public HepsCommand(Function<AgentConfiguration, CloudProvider> cloudFactory, Clock clock) {
        this.cloudFactory = cloudFactory;
        this.clock = clock;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a subcommand");
    }

    /** The agent's parts, built on first use from the configuration. */
    public synchronized AgentContext context() {
        if (context == null) {
            try {
                context = new AgentContext(AgentConfiguration.load(configFile), cloudFactory, clock);
            } catch (ConfigurationException e) {
                throw new BadInputException(e.getMessage());
            }
        }
        return context;
    }

    /** The command line with our error reporting installed; tests call this too. */
    public static CommandLine commandLine() {
        return commandLine(new HepsCommand());
    }

    public static CommandLine commandLine(HepsCommand root) {
        return ErrorReporting.install(new CommandLine(root));
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
