package cn.ac.ihep.heps.agent.experiment;

import java.util.List;

/** The input was refused; nothing was stored. {@link #errors()} names every failing field. */
public class InvalidExperimentException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient List<FieldError> errors;

    public InvalidExperimentException(String message, List<FieldError> errors) {
        super(message);
        this.errors = List.copyOf(errors);
    }

    public List<FieldError> errors() {
        return errors;
    }
}
