package cn.ac.ihep.heps.agent.cli;

import cn.ac.ihep.heps.agent.accounts.AccountView;
import cn.ac.ihep.heps.agent.accounts.DirectoryAccounts;
import cn.ac.ihep.heps.agent.accounts.DirectoryException;
import cn.ac.ihep.heps.agent.accounts.SyncReport;
import cn.ac.ihep.heps.agent.cli.support.BadInputException;
import cn.ac.ihep.heps.agent.cli.support.CommandFailedException;
import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.cli.support.OutputOptions;
import cn.ac.ihep.heps.agent.cli.support.Progress;
import cn.ac.ihep.heps.agent.cli.support.TablePrinter;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code heps accounts list|show|sync}: the members' LDAP and AD accounts. */
@Command(name = "accounts", mixinStandardHelpOptions = true,
        description = {"LDAP and AD accounts of experiment members, with the same uidNumber and gidNumber in both, "
                + "and one group per experiment group.",
                "The agent keeps them after every reconcile pass; 'sync' runs a pass now."},
        subcommands = {AccountsCommand.ListVerb.class, AccountsCommand.ShowVerb.class, AccountsCommand.SyncVerb.class})
class AccountsCommand {

    static void printTable(List<AccountView> accounts, PrintStream out) {
        TablePrinter table = new TablePrinter("USER", "STATE", "UID", "GID", "ORIGIN", "GROUPS", "CONFLICT");
        for (AccountView a : accounts) {
            table.row(a.username(), a.state(), a.uidNumber(), a.gidNumber(), a.origin(), String.join(",", a.groups()),
                    a.conflict());
        }
        table.print(out);
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List every member's account: numbers, groups, and state (ok, pending, conflict, kept).",
                    "Reads the agent's database only; 'sync' compares with the directories."})
    static class ListVerb extends ContextCommand {
        @Mixin
        OutputOptions output;

        @Override
        Integer execute() {
            List<AccountView> accounts = context().directoryAccounts().list();
            output.printer().printObject(accounts, out -> printTable(accounts, out));
            return ExitCode.OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one member's account.")
    static class ShowVerb extends ContextCommand {
        @Mixin
        OutputOptions output;
        @Parameters(paramLabel = "USER", description = "The username (uid in LDAP, sAMAccountName in AD).")
        String username;

        @Override
        Integer execute() {
            AccountView account = context().directoryAccounts().find(username).orElseThrow(() ->
                    new BadInputException("No account for '" + username + "': not a member of a current "
                            + "experiment and never given numbers (see 'heps accounts list')"));
            output.printer().printObject(account, out -> {
                printTable(List.of(account), out);
                if (account.conflict() != null) {
                    out.println("conflict: " + account.conflict());
                }
            });
            return ExitCode.OK;
        }
    }

    @Command(name = "sync", mixinStandardHelpOptions = true,
            description = {"Create and update the accounts and groups now, as the agent does after every reconcile pass.",
                    "Exit 1 when a directory is unreachable, refused a change, or numbers disagree (conflicts)."})
    static class SyncVerb extends ContextCommand {
        @Mixin
        OutputOptions output;

        @Override
        Integer execute() {
            DirectoryAccounts accounts = context().directoryAccounts();
            if (!accounts.enabled()) {
                throw new BadInputException("Neither LDAP nor AD is configured: set ldap-url and/or ad-url "
                        + "(see 'heps agent config')");
            }
            SyncReport report;
            try (Progress progress = Progress.onStderr()) {
                progress.step("syncing accounts with " + String.join(" and ", accounts.directories()));
                report = accounts.sync();
                progress.done(report.accounts() + " accounts, " + report.groups() + " groups: "
                        + (report.unchanged() ? "no changes" : report.changes().size() + " changes") + " in "
                        + report.duration().toMillis() + " ms");
            } catch (DirectoryException e) {
                throw new CommandFailedException(e.getMessage(), e);
            }
            output.printer().printObject(report, out -> {
                if (report.unchanged()) {
                    out.println("No changes: every account and group is as it should be.");
                }
                report.changes().forEach(change -> out.println("changed: " + change));
                report.conflicts().forEach(conflict -> out.println("CONFLICT: " + conflict));
                report.errors().forEach(error -> out.println("ERROR: " + error));
            });
            if (!report.succeeded()) {
                throw new CommandFailedException(report.conflicts().size() + " conflicts and " + report.errors().size()
                        + " errors (listed above); see docs/operations.md, section 11");
            }
            return ExitCode.OK;
        }
    }
}
