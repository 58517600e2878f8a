package cn.ac.ihep.heps.agent.cli.support;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;

/**
 * Progress for long work, always on stderr so that stdout stays clean for
 * {@code --output json}. On a terminal a spinner line is redrawn in place; otherwise one
 * line per step is printed, which reads well in CI logs.
 */
public final class Progress implements AutoCloseable {
    private static final char[] SPINNER = {'|', '/', '-', '\\'};

    private final PrintStream err;
    private final boolean interactive;
    private final boolean quiet;
    private final Instant started = Instant.now();
    private int tick;
    private String lastMessage = "";

    public Progress(PrintStream err, boolean interactive, boolean quiet) {
        this.err = err;
        this.interactive = interactive;
        this.quiet = quiet;
    }

    /** Progress on the process's stderr; a spinner when a terminal is attached. */
    public static Progress onStderr() {
        return new Progress(System.err, System.console() != null, false);
    }

    public static Progress silent() {
        return new Progress(System.err, false, true);
    }

    /** Reports the current step; repeated identical messages are shown once when not on a terminal. */
    public void step(String message) {
        if (quiet) {
            return;
        }
        long seconds = Duration.between(started, Instant.now()).toSeconds();
        if (interactive) {
            err.print("\r" + SPINNER[tick++ % SPINNER.length] + " " + message + " (" + seconds + "s)\u001b[K");
            err.flush();
        } else if (!message.equals(lastMessage)) {
            err.println("[" + seconds + "s] " + message);
            err.flush();
        }
        lastMessage = message;
    }

    /** Ends the progress display with a final line. */
    public void done(String message) {
        if (quiet) {
            return;
        }
        if (interactive) {
            err.print("\r\u001b[K");
        }
        err.println(message);
        err.flush();
        lastMessage = "";
    }

    @Override
    public void close() {
        if (!quiet && interactive && !lastMessage.isEmpty()) {
            err.print("\r\u001b[K");
            err.flush();
        }
    }
}
