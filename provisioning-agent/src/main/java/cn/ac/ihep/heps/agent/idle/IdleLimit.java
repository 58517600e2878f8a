package cn.ac.ihep.heps.agent.idle;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/**
 * One idle limit as operators and the portal write it: {@code off}, or an ISO-8601 duration
 * longer than zero ({@code PT30M}, {@code PT2H}).
 *
 * @param duration empty for {@code off}
 */
public record IdleLimit(Optional<Duration> duration) {

    public static final IdleLimit OFF = new IdleLimit(Optional.empty());

    public static IdleLimit of(Duration duration) {
        return new IdleLimit(Optional.of(duration));
    }

    /** Parses {@code off} or a duration; the message of the exception says what is accepted. */
    public static IdleLimit parse(String text) {
        String value = text == null ? "" : text.trim();
        if (value.toLowerCase(Locale.ROOT).equals("off")) {
            return OFF;
        }
        Duration duration;
        try {
            duration = Duration.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("must be off or an ISO-8601 duration such as PT30M or PT2H, not '"
                    + value + "'");
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("must be longer than zero (or off), not '" + value + "'");
        }
        return of(duration);
    }

    @Override
    public String toString() {
        return duration.map(Duration::toString).orElse("off");
    }
}
