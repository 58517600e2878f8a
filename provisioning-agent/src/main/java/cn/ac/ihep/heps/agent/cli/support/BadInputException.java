package cn.ac.ihep.heps.agent.cli.support;

import java.util.List;

/**
 * The user gave something unusable (an option, a file, a field); exits with
 * {@link ExitCode#BAD_INPUT} and changes nothing. Each problem names the field or option.
 */
public class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    public BadInputException(String message) {
        this(message, List.of());
    }

    public BadInputException(String message, List<String> problems) {
        super(message);
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
