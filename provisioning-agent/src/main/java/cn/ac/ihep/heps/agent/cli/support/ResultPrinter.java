package cn.ac.ihep.heps.agent.cli.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.PrintStream;
import java.util.List;
import java.util.function.Consumer;

/**
 * Prints a verb's result in the chosen format. JSON is the result object as Jackson
 * writes it (records work as they are); a table is built by the caller from the same data.
 */
public final class ResultPrinter {
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private final OutputFormat format;
    private final PrintStream out;

    public ResultPrinter(OutputFormat format, PrintStream out) {
        this.format = format;
        this.out = out;
    }

    public OutputFormat format() {
        return format;
    }

    /** Prints a list: each item as a table row, or the whole list as a JSON array. */
    public <T> void printList(List<T> items, TablePrinter table, Consumer<T> addRow) {
        if (format == OutputFormat.json) {
            printJson(items);
            return;
        }
        items.forEach(addRow);
        table.print(out);
    }

    /** Prints one object: as JSON, or through the given table writer. */
    public void printObject(Object value, Consumer<PrintStream> tableWriter) {
        if (format == OutputFormat.json) {
            printJson(value);
        } else {
            tableWriter.accept(out);
            out.flush();
        }
    }

    public void printJson(Object value) {
        try {
            out.println(JSON.writeValueAsString(value));
            out.flush();
        } catch (JsonProcessingException e) {
            throw new CommandFailedException("Could not write the result as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The mapper used for JSON output, for verbs that read JSON/YAML with the same settings. */
    public static ObjectMapper jsonMapper() {
        return JSON.copy();
    }
}
