package cn.ac.ihep.heps.agent.api;

import cn.ac.ihep.heps.agent.experiment.FieldError;
import java.util.List;

/** An API answer other than success: the status, a message, and the failing fields if any. */
class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final transient List<FieldError> fields;

    ApiException(int status, String message) {
        this(status, message, List.of());
    }

    ApiException(int status, String message, List<FieldError> fields) {
        super(message);
        this.status = status;
        this.fields = List.copyOf(fields);
    }
}
