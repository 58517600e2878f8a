package cn.ac.ihep.heps.testsupport.guacamole.web;

/** The answer of a Guacamole REST call: the value, or the HTTP status with Guacamole's error. */
public sealed interface ApiResult<T> {

    record Ok<T>(int httpStatus, T value) implements ApiResult<T> {
    }

    record Failed<T>(int httpStatus, ApiError error) implements ApiResult<T> {
    }

    int httpStatus();

    default boolean isOk() {
        return this instanceof Ok;
    }

    /** The value; an {@link AssertionError} naming the status and Guacamole's error otherwise. */
    default T orThrow() {
        if (this instanceof Ok<T> ok) {
            return ok.value();
        }
        Failed<T> failed = (Failed<T>) this;
        throw new AssertionError("Guacamole answered HTTP " + failed.httpStatus() + ": " + failed.error());
    }

    /** Guacamole's error; an {@link AssertionError} when the call succeeded. */
    default ApiError error() {
        if (this instanceof Failed<T> failed) {
            return failed.error();
        }
        throw new AssertionError("Guacamole answered HTTP " + httpStatus() + " where an error was expected");
    }
}
