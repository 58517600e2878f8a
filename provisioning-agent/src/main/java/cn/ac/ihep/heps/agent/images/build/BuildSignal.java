package cn.ac.ihep.heps.agent.images.build;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The line a guest prints when its build or validation has finished:
 * <pre>HEPS-BUILD-RESULT build=&lt;id&gt; phase=build status=ok checks=nvidia-driver:ok,fit2d:ok</pre>
 * or, when a step failed, {@code status=failed failed=<component>/<step>}. The guest writes it to
 * its serial console (read back through Nova's console-output API) and, when the build gives it
 * a credential, also as server metadata {@code heps.build-result} through the Compute API:
 * the same text on both paths.
 *
 * @param failedStep {@code component/step} that failed, or null
 * @param checks each component's check result, in install order
 */
public record BuildSignal(String buildId, String phase, boolean ok, String failedStep, Map<String, Boolean> checks) {

    public static final String PREFIX = "HEPS-BUILD-RESULT";

    private static final Pattern LINE = Pattern.compile(
            Pattern.quote(PREFIX) + " build=(?<build>[a-z0-9]+) phase=(?<phase>[a-z]+) status=(?<status>ok|failed)"
                    + "(?: failed=(?<failed>[a-z0-9-]+/[^ ]+))?(?: checks=(?<checks>[a-z0-9:,-]*))?\\s*$");

    public BuildSignal {
        checks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(checks));
    }

    public List<String> failedChecks() {
        return checks.entrySet().stream().filter(check -> !check.getValue()).map(Map.Entry::getKey).toList();
    }

    /** Succeeded: status ok and every check passed. */
    public boolean passed() {
        return ok && failedChecks().isEmpty();
    }

    public String describe() {
        if (passed()) {
            return "all " + checks.size() + " checks passed";
        }
        StringBuilder text = new StringBuilder();
        if (failedStep != null) {
            text.append("step ").append(failedStep).append(" failed");
        }
        if (!failedChecks().isEmpty()) {
            text.append(text.length() > 0 ? "; " : "").append("checks failed: ").append(String.join(", ", failedChecks()));
        }
        return text.length() == 0 ? "the guest reported a failure" : text.toString();
    }

    /** The last signal for this build and phase in {@code text} (console output or a metadata value). */
    public static Optional<BuildSignal> find(String text, String buildId, String phase) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        Optional<BuildSignal> last = Optional.empty();
        for (String line : text.split("\\r?\\n")) {
            int start = line.indexOf(PREFIX);
            if (start < 0) {
                continue;
            }
            Matcher matcher = LINE.matcher(line.substring(start));
            if (matcher.matches() && matcher.group("build").equals(buildId) && matcher.group("phase").equals(phase)) {
                last = Optional.of(parse(matcher));
            }
        }
        return last;
    }

    private static BuildSignal parse(Matcher matcher) {
        Map<String, Boolean> checks = new LinkedHashMap<>();
        String list = matcher.group("checks");
        if (list != null && !list.isEmpty()) {
            for (String entry : list.split(",")) {
                int colon = entry.lastIndexOf(':');
                if (colon > 0) {
                    checks.put(entry.substring(0, colon), "ok".equals(entry.substring(colon + 1)));
                }
            }
        }
        return new BuildSignal(matcher.group("build"), matcher.group("phase"), "ok".equals(matcher.group("status")),
                matcher.group("failed"), checks);
    }

    /** The line a guest writes; the renderers produce the same text from shell and PowerShell. */
    public String toLine() {
        StringBuilder line = new StringBuilder(PREFIX).append(" build=").append(buildId).append(" phase=").append(phase)
                .append(" status=").append(ok ? "ok" : "failed");
        if (failedStep != null) {
            line.append(" failed=").append(failedStep);
        }
        line.append(" checks=");
        line.append(String.join(",", checks.entrySet().stream()
                .map(check -> check.getKey() + ":" + (check.getValue() ? "ok" : "failed")).toList()));
        return line.toString();
    }
}
