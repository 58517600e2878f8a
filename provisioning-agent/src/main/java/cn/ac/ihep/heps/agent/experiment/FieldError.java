package cn.ac.ihep.heps.agent.experiment;

/** One bad field of an input, named by its JSON path (e.g. {@code desktop.flavor}, {@code members[2]}). */
public record FieldError(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
