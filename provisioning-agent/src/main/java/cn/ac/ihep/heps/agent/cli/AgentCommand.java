package cn.ac.ihep.heps.agent.cli;

import cn.ac.ihep.heps.agent.agent.AgentContext;
import cn.ac.ihep.heps.agent.agent.AgentServer;
import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.cli.support.OutputOptions;
import cn.ac.ihep.heps.agent.cli.support.TablePrinter;
import cn.ac.ihep.heps.agent.config.AgentConfiguration;
import cn.ac.ihep.heps.agent.config.Setting;
import cn.ac.ihep.heps.agent.reconcile.PassReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code heps agent serve|reconcile|config}. */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "The provisioning agent: HTTP API and reconcile loop.",
        subcommands = {AgentCommand.ServeVerb.class, AgentCommand.ReconcileVerb.class, AgentCommand.ConfigVerb.class})
class AgentCommand {

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Run the HTTP API and the reconcile loop until stopped (SIGTERM or Ctrl-C).")
    static class ServeVerb extends ContextCommand {
        @Mixin
        OutputOptions output;

        @Override
        Integer execute() throws Exception {
            AgentContext context = context();
            AgentServer server = AgentServer.start(context);
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                stopped.countDown();
            }, "heps-agent-shutdown"));
            Map<String, Object> started = new LinkedHashMap<>();
            started.put("api", server.baseUri().toString());
            started.put("database", context.database().redactedUrl());
            started.put("agentId", context.configuration().agentId());
            started.put("reconcileInterval", context.configuration().reconcileInterval().toString());
            output.printer().printObject(started, out -> {
                out.println("heps agent listening on " + server.baseUri() + " (database "
                        + context.database().redactedUrl() + ", reconcile every "
                        + context.configuration().reconcileInterval() + ")");
            });
            stopped.await();
            return ExitCode.OK;
        }
    }

    @Command(name = "reconcile", mixinStandardHelpOptions = true,
            description = "Run one reconcile pass now and print what it did.")
    static class ReconcileVerb extends ContextCommand {
        @Mixin
        OutputOptions output;

        @Override
        Integer execute() {
            AgentContext context = context();
            PassReport report = context.reconciler("http://" + context.configuration().apiListen()).reconcile();
            output.printer().printObject(report, out -> {
                TablePrinter table = new TablePrinter("ACTION", "COUNT");
                report.actions().forEach(table::row);
                table.print(out);
                out.println(report.desktopsSeen() + " desktops in " + report.duration().toMillis() + " ms");
            });
            return ExitCode.OK;
        }
    }

    @Command(name = "config", mixinStandardHelpOptions = true,
            description = "Show every setting, its environment variable and its current value (secrets masked).")
    static class ConfigVerb extends ContextCommand {
        @Mixin
        OutputOptions output;

        record Line(String property, String environmentVariable, String value, String description) {
        }

        @Override
        Integer execute() {
            AgentConfiguration configuration = context().configuration();
            List<Line> lines = new ArrayList<>();
            for (Setting setting : AgentConfiguration.ALL) {
                lines.add(new Line(setting.property(), setting.environmentVariable(),
                        configuration.displayValue(setting), setting.description()));
            }
            output.printer().printObject(lines, out -> {
                TablePrinter table = new TablePrinter("SETTING", "ENVIRONMENT", "VALUE");
                lines.forEach(l -> table.row(l.property(), l.environmentVariable(), l.value()));
                table.print(out);
                out.println("(from " + configuration.source() + ")");
            });
            return ExitCode.OK;
        }
    }
}
