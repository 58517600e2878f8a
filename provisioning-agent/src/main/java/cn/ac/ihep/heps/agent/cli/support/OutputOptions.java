package cn.ac.ihep.heps.agent.cli.support;

import picocli.CommandLine.Option;

/**
 * The {@code --output table|json} option; add it to a verb with
 * {@code @Mixin OutputOptions output;} and print through {@link #printer()}.
 */
public class OutputOptions {

    @Option(names = {"-o", "--output"}, paramLabel = "table|json", defaultValue = "table",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    OutputFormat format = OutputFormat.table;

    public OutputFormat format() {
        return format;
    }

    public ResultPrinter printer() {
        return new ResultPrinter(format, System.out);
    }
}
