package cn.ac.ihep.heps.agent.cli;

import cn.ac.ihep.heps.agent.agent.AgentContext;
import cn.ac.ihep.heps.agent.cli.support.BadInputException;
import cn.ac.ihep.heps.agent.cli.support.CommandFailedException;
import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.cli.support.OutputOptions;
import cn.ac.ihep.heps.agent.cli.support.Progress;
import cn.ac.ihep.heps.agent.cli.support.TablePrinter;
import cn.ac.ihep.heps.agent.desktop.Desktop;
import cn.ac.ihep.heps.agent.desktop.DesktopService;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.desktop.DesktopUserService;
import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerState;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code heps desktops list|show|create|start|stop|restart|shelve|delete|add-user|remove-user}. */
@Command(name = "desktops", mixinStandardHelpOptions = true,
        description = "Desktop VMs: one per member of each experiment, made by the agent's reconcile loop.",
        subcommands = {DesktopsCommand.ListVerb.class, DesktopsCommand.ShowVerb.class, DesktopsCommand.CreateVerb.class,
                DesktopsCommand.StartVerb.class, DesktopsCommand.StopVerb.class, DesktopsCommand.RestartVerb.class,
                DesktopsCommand.ShelveVerb.class, DesktopsCommand.DeleteVerb.class, DesktopsCommand.AddUserVerb.class,
                DesktopsCommand.RemoveUserVerb.class})
class DesktopsCommand {

    static void printTable(List<Desktop> desktops, PrintStream out) {
        TablePrinter table = new TablePrinter("EXPERIMENT", "USER", "BEAMLINE", "STATE", "NOVA", "SERVER", "ADDRESS",
                "HOST", "GPUS", "CONNECTED", "LAST INPUT", "NAMED USERS", "REASON");
        for (Desktop d : desktops) {
            table.row(d.proposalId(), d.username(), d.beamline(), d.state(), d.cloudState(),
                    d.serverId() == null ? d.serverName() : d.serverId(), d.address(), d.host(), d.gpuCount(),
                    connected(d), d.activity().lastInputAt(), d.users().isEmpty() ? null : String.join(",", d.users()),
                    d.reason());
        }
        table.print(out);
    }

    /** Open connections, or when the last one closed. */
    private static Object connected(Desktop desktop) {
        if (desktop.activity().connected()) {
            return desktop.activity().connections() + " open";
        }
        Instant closed = desktop.activity().lastDisconnectedAt();
        return closed == null ? null : "left " + closed;
    }

    static Desktop find(AgentContext context, String reference) {
        return context.desktops().find(reference).orElseThrow(() -> new BadInputException(
                "No desktop '" + reference + "': give a server id, a server name or <proposal>/<user> "
                        + "(see 'heps desktops list')"));
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List desktops and their state.")
    static class ListVerb extends ContextCommand {
        @Mixin
        OutputOptions output;
        @Option(names = "--experiment", paramLabel = "PROPOSAL", description = "Only this experiment's desktops.")
        String experiment;
        @Option(names = "--user", description = "Only this user's desktops.")
        String user;
        @Option(names = "--all", description = "Include deleted desktops.")
        boolean all;

        @Override
        Integer execute() {
            List<Desktop> desktops = context().desktops().list(new DesktopRepository.Filter(experiment, user, all));
            output.printer().printObject(desktops, out -> printTable(desktops, out));
            return ExitCode.OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one desktop.")
    static class ShowVerb extends ContextCommand {
        @Mixin
        OutputOptions output;
        @Parameters(paramLabel = "DESKTOP", description = "Server id, server name, or <proposal>/<user>.")
        String reference;

        @Override
        Integer execute() {
            Desktop desktop = find(context(), reference);
            output.printer().printObject(desktop, out -> printTable(List.of(desktop), out));
            return ExitCode.OK;
        }
    }

    /** Shared by the verbs that may wait on OpenStack. */
    abstract static class WaitingVerb extends ContextCommand {
        @Option(names = "--wait", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Wait until OpenStack has done it (default: ${DEFAULT-VALUE}).")
        boolean waitForIt;
        @Option(names = "--timeout", defaultValue = "PT5M", description = "How long to wait (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        Optional<CloudServer> await(DesktopService service, String serverId, Set<ServerState> targets)
                throws InterruptedException {
            if (!waitForIt || serverId == null) {
                return Optional.empty();
            }
            try (Progress progress = Progress.onStderr()) {
                Optional<CloudServer> server = service.waitFor(serverId, targets, timeout, progress::step);
                String state = server.map(s -> s.state().name()).orElse("DELETED");
                if (server.isPresent() && server.get().state() == ServerState.ERROR) {
                    throw new CommandFailedException("Nova put " + serverId + " in ERROR: see 'openstack server show "
                            + serverId + "'");
                }
                if (server.isPresent() ? !targets.contains(server.get().state()) : !targets.contains(ServerState.DELETED)) {
                    throw new CommandFailedException("Timed out after " + timeout + " waiting for " + serverId
                            + " (now " + state + "); rerun with a longer --timeout or check Nova");
                }
                progress.done(serverId + " is " + state);
                return server;
            }
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a member's desktop now: adds the user to the experiment if needed and runs a "
                    + "reconcile pass.", "The experiment's window (minus the start lead time) must be open."})
    static class CreateVerb extends WaitingVerb {
        @Mixin
        OutputOptions output;
        @Option(names = "--experiment", required = true, paramLabel = "PROPOSAL")
        String proposalId;
        @Option(names = "--user", required = true)
        String user;

        @Override
        Integer execute() throws InterruptedException {
            AgentContext context = context();
            Experiment experiment = context.experiments().find(proposalId).orElseThrow(() -> new BadInputException(
                    "No experiment '" + proposalId + "': create it first with 'heps experiments apply -f <file>'"));
            Instant opens = experiment.startsAt().minus(context.configuration().startLeadTime());
            Instant now = context.clock().instant();
            if (now.isBefore(opens) || !now.isBefore(experiment.endsAt())) {
                throw new BadInputException("The window of " + proposalId + " is " + experiment.startsAt() + " to "
                        + experiment.endsAt() + "; desktops exist from " + opens + " until it ends");
            }
            context.experiments().addMember(proposalId, user, "cli:" + System.getProperty("user.name"));
            String agentUrl = "http://" + context.configuration().apiListen();
            context.reconciler(agentUrl).reconcile();
            Desktop desktop = find(context, proposalId + "/" + user);
            if (desktop.state() == DesktopState.HELD) {
                throw new CommandFailedException("The desktop is held: " + desktop.reason()
                        + " (the agent retries it on every pass)");
            }
            await(context.desktops(), desktop.serverId(), EnumSet.of(ServerState.ACTIVE));
            // One more pass records what Nova now reports (address, host, state).
            context.reconciler(agentUrl).reconcile();
            Desktop after = find(context, proposalId + "/" + user);
            output.printer().printObject(after, out -> printTable(List.of(after), out));
            return ExitCode.OK;
        }
    }

    abstract static class ActionVerb extends WaitingVerb {
        @Mixin
        OutputOptions output;
        @Parameters(paramLabel = "DESKTOP", description = "Server id, server name, or <proposal>/<user>.")
        String reference;

        abstract DesktopService.Action action();

        abstract Set<ServerState> targets();

        @Override
        Integer execute() throws InterruptedException {
            AgentContext context = context();
            Desktop desktop = find(context, reference);
            DesktopService service = context.desktops();
            try {
                service.apply(desktop, action(), "cli:" + System.getProperty("user.name"));
            } catch (IllegalStateException e) {
                throw new CommandFailedException(e.getMessage());
            }
            await(service, desktop.serverId(), targets());
            Desktop after = find(context, reference.contains("/") ? reference : desktop.proposalId() + "/"
                    + desktop.username());
            output.printer().printObject(after, out -> printTable(List.of(after), out));
            return ExitCode.OK;
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start (or unshelve) a desktop's VM.")
    static class StartVerb extends ActionVerb {
        DesktopService.Action action() {
            return DesktopService.Action.start;
        }

        Set<ServerState> targets() {
            return EnumSet.of(ServerState.ACTIVE);
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a desktop's VM (its owner's next "
            + "connection starts it again).")
    static class StopVerb extends ActionVerb {
        DesktopService.Action action() {
            return DesktopService.Action.stop;
        }

        Set<ServerState> targets() {
            return EnumSet.of(ServerState.SHUTOFF);
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true, description = {"Restart a desktop's VM (a soft reboot: "
            + "the guest restarts as from its own menu).", "A stopped or shelved VM is started instead."})
    static class RestartVerb extends ActionVerb {
        DesktopService.Action action() {
            return DesktopService.Action.restart;
        }

        Set<ServerState> targets() {
            return EnumSet.of(ServerState.ACTIVE);
        }
    }

    /** Shared by the verbs that change a desktop's named users. */
    abstract static class NamedUserVerb extends ContextCommand {
        @Mixin
        OutputOptions output;
        @Parameters(index = "0", paramLabel = "DESKTOP", description = "Server id, server name, or <proposal>/<user>.")
        String reference;
        @Parameters(index = "1", paramLabel = "USER", description = "The facility username.")
        String username;

        abstract Desktop change(DesktopUserService users, String actor);

        @Override
        Integer execute() {
            Desktop after = change(context().desktopUsers(), "cli:" + System.getProperty("user.name"));
            output.printer().printObject(after, out -> printTable(List.of(after), out));
            return ExitCode.OK;
        }
    }

    @Command(name = "add-user", mixinStandardHelpOptions = true, description = {"Let a named user open a desktop besides "
            + "its owner (a heps-user: tag).", "The VM is retagged at the next reconcile pass."})
    static class AddUserVerb extends NamedUserVerb {
        Desktop change(DesktopUserService users, String actor) {
            return users.add(reference, username, actor);
        }
    }

    @Command(name = "remove-user", mixinStandardHelpOptions = true, description = {"Take a named user's access to a "
            + "desktop away.", "The VM is retagged at the next reconcile pass; the user's open session is not closed."})
    static class RemoveUserVerb extends NamedUserVerb {
        Desktop change(DesktopUserService users, String actor) {
            return users.remove(reference, username, actor);
        }
    }

    @Command(name = "shelve", mixinStandardHelpOptions = true, description = "Shelve a desktop's VM, freeing its GPU.")
    static class ShelveVerb extends ActionVerb {
        DesktopService.Action action() {
            return DesktopService.Action.shelve;
        }

        Set<ServerState> targets() {
            return EnumSet.of(ServerState.SHELVED, ServerState.SHELVED_OFFLOADED);
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = {"Delete a desktop's VM.",
            "While the experiment's window is open the next reconcile pass creates a fresh one."})
    static class DeleteVerb extends ActionVerb {
        DesktopService.Action action() {
            return DesktopService.Action.delete;
        }

        Set<ServerState> targets() {
            return EnumSet.of(ServerState.DELETED);
        }
    }
}
