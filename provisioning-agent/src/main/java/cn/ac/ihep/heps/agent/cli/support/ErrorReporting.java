package cn.ac.ihep.heps.agent.cli.support;

import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns exceptions into one clear line on stderr and the exit codes of CONTRACTS §4.
 * Install on the root command with {@link #install(CommandLine)}; subcommands inherit it.
 */
public final class ErrorReporting implements IExecutionExceptionHandler, IParameterExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorReporting.class);

    public static CommandLine install(CommandLine commandLine) {
        ErrorReporting reporting = new ErrorReporting();
        return commandLine
                .setExecutionExceptionHandler(reporting)
                .setParameterExceptionHandler(reporting)
                .setExitCodeExceptionMapper(ErrorReporting::exitCodeFor);
    }

    /** The exit code for an exception thrown by a verb. */
    public static int exitCodeFor(Throwable error) {
        if (error instanceof BadInputException || error instanceof ParameterException) {
            return ExitCode.BAD_INPUT;
        }
        return ExitCode.FAILED;
    }

    @Override
    public int handleExecutionException(Exception error, CommandLine command, ParseResult parseResult) {
        PrintWriter err = command.getErr();
        String name = command.getCommandSpec().qualifiedName();
        if (error instanceof BadInputException bad) {
            err.println(name + ": " + bad.getMessage());
            bad.problems().forEach(problem -> err.println("  - " + problem));
            err.println("Run '" + name + " --help' for usage.");
        } else if (error instanceof CommandFailedException) {
            err.println(name + ": " + error.getMessage());
        } else {
            err.println(name + ": failed: " + error.getMessage()
                    + " (rerun with HEPS_LOG_LEVEL=debug for details)");
        }
        err.flush();
        LOG.debug("{} failed", name, error);
        return exitCodeFor(error);
    }

    @Override
    public int handleParseException(ParameterException error, String[] args) {
        CommandLine command = error.getCommandLine();
        PrintWriter err = command.getErr();
        err.println(command.getCommandSpec().qualifiedName() + ": " + error.getMessage());
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(error, err)) {
            err.println("Run '" + command.getCommandSpec().qualifiedName() + " --help' for usage.");
        }
        err.flush();
        return ExitCode.BAD_INPUT;
    }
}
