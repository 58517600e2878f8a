package cn.ac.ihep.heps.agent.cli;

import cn.ac.ihep.heps.agent.audit.AuditService;
import cn.ac.ihep.heps.agent.cli.support.BadInputException;
import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.cli.support.OutputOptions;
import cn.ac.ihep.heps.agent.cli.support.TablePrinter;
import cn.ac.ihep.heps.agent.store.AuditLog;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code heps audit list}: what the agent, operators, the portal and Guacamole did, newest first. */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "The audit log: every action on experiments, desktops and accounts, and every join of "
                + "someone else's desktop session (support staff, share links).",
        subcommands = {AuditCommand.ListVerb.class})
class AuditCommand {

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List audit entries, newest first, one page at a time.",
                    "Without --before the newest page; a full page ends with the --before value of the next."})
    static class ListVerb extends ContextCommand {
        @Mixin
        OutputOptions output;
        @Option(names = "--user", description = "Entries this user made, or that concern them (their desktop, "
                + "their membership).")
        String user;
        @Option(names = "--desktop", paramLabel = "DESKTOP", description = "Entries about one desktop: "
                + "<proposal>/<user>, a server id or a server name.")
        String desktop;
        @Option(names = "--since", paramLabel = "ISO-8601", description = "Entries at or after this time, "
                + "e.g. 2026-12-01T00:00:00Z.")
        String since;
        @Option(names = "--until", paramLabel = "ISO-8601", description = "Entries before this time.")
        String until;
        @Option(names = "--limit", defaultValue = "" + AuditService.DEFAULT_PAGE,
                description = "Entries per page, 1-" + AuditLog.MAX_PAGE + " (default: ${DEFAULT-VALUE}).")
        int limit;
        @Option(names = "--before", paramLabel = "CURSOR", description = "The next page: the value a full page ends with.")
        Long before;

        @Override
        Integer execute() {
            List<String> problems = new ArrayList<>();
            Instant from = instant("--since", since, problems);
            Instant to = instant("--until", until, problems);
            if (limit < 1 || limit > AuditLog.MAX_PAGE) {
                problems.add("--limit: from 1 to " + AuditLog.MAX_PAGE + ", not " + limit);
            }
            if (before != null && before < 1) {
                problems.add("--before: the cursor a full page ends with");
            }
            if (user != null && (user.isBlank() || user.length() > 128)) {
                problems.add("--user: a username or actor of 1-128 characters");
            }
            AuditService audit = context().auditLog();
            String subject = null;
            if (desktop != null) {
                subject = audit.subjectOf(desktop).orElse(null);
                if (subject == null) {
                    problems.add("--desktop: no desktop '" + desktop + "' (give <proposal>/<user>, a server id or a "
                            + "server name)");
                }
            }
            if (!problems.isEmpty()) {
                throw new BadInputException("The audit query is invalid", problems);
            }
            AuditLog.Page page = audit.find(new AuditLog.Query(user, subject, from, to, before, limit));
            output.printer().printObject(page, out -> {
                TablePrinter table = new TablePrinter("AT", "ACTOR", "ACTION", "SUBJECT", "USER", "DETAIL");
                for (AuditLog.Entry e : page.entries()) {
                    table.row(e.at(), e.actor(), e.action(), e.subject(), e.username(), e.detail());
                }
                table.print(out);
                if (page.next() != null) {
                    out.println("More: add --before " + page.next());
                }
            });
            return ExitCode.OK;
        }

        private static Instant instant(String option, String value, List<String> problems) {
            if (value == null) {
                return null;
            }
            try {
                return OffsetDateTime.parse(value.trim()).toInstant();
            } catch (DateTimeParseException e) {
                problems.add(option + ": an ISO-8601 date-time with offset, e.g. 2026-12-01T08:00:00Z, not '" + value + "'");
                return null;
            }
        }
    }
}
