package cn.ac.ihep.heps.agent.desktop;

import cn.ac.ihep.heps.agent.experiment.FieldError;
import java.util.List;

/**
 * A request about one desktop that was refused, with nothing changed: why ({@link Reason}, which
 * the API answers as its HTTP status and the CLI as its exit code) and, for bad input, which fields.
 */
public class DesktopRequestRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** No such desktop (404). */
        NOT_FOUND,
        /** A field is wrong (400). */
        INVALID,
        /** The user on whose behalf it was asked may not (403). */
        FORBIDDEN,
        /** Not now: the desktop's state does not allow it (409). */
        CONFLICT
    }

    private final Reason reason;
    private final transient List<FieldError> errors;

    public DesktopRequestRefused(Reason reason, String message) {
        this(reason, message, List.of());
    }

    public DesktopRequestRefused(Reason reason, String message, List<FieldError> errors) {
        super(message);
        this.reason = reason;
        this.errors = List.copyOf(errors);
    }

    public Reason reason() {
        return reason;
    }

    public List<FieldError> errors() {
        return errors;
    }
}
