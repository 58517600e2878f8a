package cn.ac.ihep.heps.agent.cli.support;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Prints rows as a left-aligned table with a header, the way {@code kubectl get} does. */
public final class TablePrinter {
    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    public TablePrinter(List<String> headers) {
        this.headers = List.copyOf(headers);
    }

    public TablePrinter(String... headers) {
        this(List.of(headers));
    }

    public TablePrinter row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException(
                    "A row has " + cells.length + " cells but the table has " + headers.size() + " columns");
        }
        List<String> row = new ArrayList<>(cells.length);
        for (Object cell : cells) {
            row.add(cell == null ? "-" : cell.toString());
        }
        rows.add(row);
        return this;
    }

    public int rowCount() {
        return rows.size();
    }

    public void print(PrintStream out) {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = headers.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        printRow(out, headers, widths);
        for (List<String> row : rows) {
            printRow(out, row, widths);
        }
        out.flush();
    }

    private static void printRow(PrintStream out, List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            line.append(cell);
            if (i < cells.size() - 1) {
                line.append(" ".repeat(widths[i] - cell.length() + 2));
            }
        }
        out.println(line);
    }
}
