package cn.ac.ihep.heps.agent.cli;

import cn.ac.ihep.heps.agent.cli.support.BadInputException;
import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.cli.support.OutputOptions;
import cn.ac.ihep.heps.agent.cli.support.TablePrinter;
import cn.ac.ihep.heps.agent.quota.Quota;
import cn.ac.ihep.heps.agent.quota.QuotaService;
import cn.ac.ihep.heps.agent.quota.QuotaService.QuotaView;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code heps quota show|set}: desktops, GPUs and GPU-hours per experiment, and the site default. */
@Command(name = "quota", aliases = "quotas", mixinStandardHelpOptions = true,
        description = {"Quotas per experiment and the site default: desktops (one per member), GPUs at once, and "
                + "GPU-hours per beamtime (members × GPUs × window).",
                "An experiment's own limit replaces the site default's. Checked when an experiment is applied or "
                        + "gains a member, through the API and the CLI."},
        subcommands = {QuotaCommand.ShowVerb.class, QuotaCommand.SetVerb.class})
class QuotaCommand {

    static void printTable(List<QuotaView> views, PrintStream out) {
        TablePrinter table = new TablePrinter("SCOPE", "DESKTOPS", "GPUS", "GPU-HOURS");
        for (QuotaView view : views) {
            boolean site = view.scope().equals(QuotaService.SITE);
            table.row(site ? "site default" : view.scope(), cell(view, Quota::desktops, u -> (long) u.desktops()),
                    cell(view, Quota::gpus, u -> (long) u.gpus()), cell(view, Quota::gpuHours, u -> u.gpuHours()));
        }
        table.print(out);
        out.println("(used / limit; '(site)' where the site default applies; - is no limit)");
    }

    private static String cell(QuotaView view, java.util.function.Function<Quota, Number> limit,
            java.util.function.Function<cn.ac.ihep.heps.agent.quota.QuotaUsage, Long> used) {
        Number effective = limit.apply(view.effective());
        String text = effective == null ? "-" : effective.toString();
        if (effective != null && limit.apply(view.set()) == null && !view.scope().equals(QuotaService.SITE)) {
            text += " (site)";
        }
        if (view.usage() == null) {
            return text;
        }
        long usage = used.apply(view.usage());
        return usage + " / " + text + (effective != null && usage > effective.longValue() ? "  OVER" : "");
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "The site default and each experiment's quota with what it uses; or one experiment's.")
    static class ShowVerb extends ContextCommand {
        @Mixin
        OutputOptions output;
        @Parameters(paramLabel = "PROPOSAL", arity = "0..1", description = "Only this experiment.")
        String proposal;

        @Override
        Integer execute() {
            List<QuotaView> views = context().quotas().show(Optional.ofNullable(proposal));
            output.printer().printObject(views, out -> printTable(views, out));
            return ExitCode.OK;
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = {"Set an experiment's quota, or the site default with --site. Limits not given stay as "
                    + "they are; 'none' removes one.",
                    "Lowering a quota below what an experiment holds keeps what exists and refuses anything more."})
    static class SetVerb extends ContextCommand {
        @Mixin
        OutputOptions output;

        static class Scope {
            @Parameters(paramLabel = "PROPOSAL", description = "The experiment's proposal id (it need not exist yet).")
            String proposal;
            @Option(names = "--site", required = true, description = "The site default, for every experiment.")
            boolean site;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Scope scope;
        @Option(names = "--desktops", paramLabel = "N|none", description = "Desktops (one per member).")
        String desktops;
        @Option(names = "--gpus", paramLabel = "N|none", description = "GPUs at once (members × GPUs per desktop).")
        String gpus;
        @Option(names = "--gpu-hours", paramLabel = "N|none",
                description = "GPU-hours per beamtime (members × GPUs × hours of the window).")
        String gpuHours;

        @Override
        Integer execute() {
            if (desktops == null && gpus == null && gpuHours == null) {
                throw new BadInputException("Give at least one of --desktops, --gpus, --gpu-hours");
            }
            QuotaView view;
            try {
                view = context().quotas().set(scope.site ? QuotaService.SITE : scope.proposal, desktops, gpus,
                        gpuHours, "cli:" + System.getProperty("user.name"));
            } catch (IllegalArgumentException e) {
                throw new BadInputException(e.getMessage());
            }
            output.printer().printObject(view, out -> printTable(List.of(view), out));
            return ExitCode.OK;
        }
    }
}
