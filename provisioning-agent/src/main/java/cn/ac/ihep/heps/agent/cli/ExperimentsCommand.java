package cn.ac.ihep.heps.agent.cli;

import cn.ac.ihep.heps.agent.cli.support.BadInputException;
import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.cli.support.OutputOptions;
import cn.ac.ihep.heps.agent.cli.support.TablePrinter;
import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.experiment.ExperimentInput;
import cn.ac.ihep.heps.agent.experiment.ExperimentService;
import cn.ac.ihep.heps.agent.experiment.FieldError;
import cn.ac.ihep.heps.agent.experiment.InvalidExperimentException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code heps experiments list|show|apply|extend}. */
@Command(name = "experiments", mixinStandardHelpOptions = true,
        description = "Experiments: a proposal at a beamline, a time window, members and their desktop.",
        subcommands = {ExperimentsCommand.ListVerb.class, ExperimentsCommand.ShowVerb.class,
                ExperimentsCommand.ApplyVerb.class, ExperimentsCommand.ExtendVerb.class})
class ExperimentsCommand {

    static void printTable(List<Experiment> experiments, java.io.PrintStream out) {
        TablePrinter table = new TablePrinter("PROPOSAL", "BEAMLINE", "GROUP", "STARTS", "ENDS", "OS", "GPUS", "FLAVOR",
                "ACCESS", "MEMBERS");
        for (Experiment e : experiments) {
            table.row(e.proposalId(), e.beamline(), e.group(), e.startsAt(), e.endsAt(), e.desktop().os(),
                    e.desktop().gpus(), e.desktop().flavor(), e.desktop().access(), String.join(",", e.members()));
        }
        table.print(out);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List experiments.")
    static class ListVerb extends ContextCommand {
        @Mixin
        OutputOptions output;

        @Override
        Integer execute() {
            List<Experiment> experiments = context().experiments().list();
            output.printer().printObject(experiments, out -> printTable(experiments, out));
            return ExitCode.OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one experiment.")
    static class ShowVerb extends ContextCommand {
        @Mixin
        OutputOptions output;
        @Parameters(paramLabel = "PROPOSAL", description = "Proposal id.")
        String proposalId;

        @Override
        Integer execute() {
            Experiment experiment = context().experiments().find(proposalId).orElseThrow(() ->
                    new BadInputException("No experiment with proposal id '" + proposalId
                            + "' (see 'heps experiments list')"));
            output.printer().printObject(experiment, out -> printTable(List.of(experiment), out));
            return ExitCode.OK;
        }
    }

    @Command(name = "extend", mixinStandardHelpOptions = true,
            description = {"Extend an experiment's window, so that its desktops may be opened again.",
                    "The agent writes the new end to each VM (heps.expires) and unshelves the desktops it shelved "
                            + "when the window ended, at its next pass."})
    static class ExtendVerb extends ContextCommand {
        @Mixin
        OutputOptions output;
        @Parameters(paramLabel = "PROPOSAL", description = "Proposal id.")
        String proposalId;
        @Option(names = "--until", required = true, paramLabel = "ISO-8601",
                description = "The window's new end, later than its current one, e.g. 2026-12-01T20:00:00Z.")
        String until;

        @Override
        Integer execute() {
            Experiment experiment = context().experiments().extend(proposalId, until, "cli:" + System.getProperty("user.name"))
                    .orElseThrow(() -> new BadInputException("No experiment with proposal id '" + proposalId
                            + "' (see 'heps experiments list')"));
            output.printer().printObject(experiment, out -> printTable(List.of(experiment), out));
            return ExitCode.OK;
        }
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = {"Create or update experiments from a YAML or JSON file.",
                    "The file holds one experiment or a list of them, with fields proposalId, beamline, group, "
                            + "startsAt, endsAt, members and desktop {os, gpus, flavor, protocol, idle, access}.",
                    "desktop.access is personal (each member's desktop opens for that member only; the default) or "
                            + "experiment (every member may open every member's desktop).",
                    "All are checked before any is stored."})
    static class ApplyVerb extends ContextCommand {
        @Mixin
        OutputOptions output;
        @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "YAML or JSON file.")
        Path file;

        private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);

        @Override
        Integer execute() {
            List<ExperimentInput> inputs = read(file);
            ExperimentService service = context().experiments();
            List<String> problems = new ArrayList<>();
            // Check everything first, so a bad second entry does not leave the first applied alone.
            for (int i = 0; i < inputs.size(); i++) {
                try {
                    service.validate(inputs.get(i));
                } catch (InvalidExperimentException e) {
                    for (FieldError error : e.errors()) {
                        problems.add((inputs.size() > 1 ? "[" + i + "]." : "") + error);
                    }
                }
            }
            if (!problems.isEmpty()) {
                throw new BadInputException(file + " is invalid; nothing was applied", problems);
            }
            List<Experiment> applied = new ArrayList<>();
            for (ExperimentInput input : inputs) {
                ExperimentService.Applied result = service.apply(input, "cli:" + System.getProperty("user.name"));
                applied.add(result.experiment());
                spec.commandLine().getErr().println((result.created() ? "created " : "updated ")
                        + result.experiment().proposalId());
            }
            spec.commandLine().getErr().flush();
            output.printer().printObject(applied, out -> printTable(applied, out));
            return ExitCode.OK;
        }

        static List<ExperimentInput> read(Path file) {
            if (!Files.isRegularFile(file)) {
                throw new BadInputException("The file " + file + " does not exist");
            }
            try {
                List<ExperimentInput> inputs = YAML.readValue(file.toFile(),
                        YAML.getTypeFactory().constructCollectionType(List.class, ExperimentInput.class));
                if (inputs == null || inputs.isEmpty()) {
                    throw new BadInputException(file + " holds no experiment");
                }
                return inputs;
            } catch (UnrecognizedPropertyException e) {
                String where = e.getLocation() == null ? "" : " near line " + e.getLocation().getLineNr();
                throw new BadInputException(file + where + ": unknown field '" + e.getPropertyName()
                        + "'; known fields: " + e.getKnownPropertyIds());
            } catch (JsonMappingException e) {
                String where = e.getLocation() == null ? "" : " near line " + e.getLocation().getLineNr();
                throw new BadInputException(file + where + ": " + e.getOriginalMessage());
            } catch (JsonProcessingException e) {
                String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
                throw new BadInputException(file + " is not valid YAML or JSON" + where + ": " + e.getOriginalMessage());
            } catch (IOException e) {
                throw new BadInputException("Cannot read " + file + ": " + e.getMessage());
            }
        }
    }
}
