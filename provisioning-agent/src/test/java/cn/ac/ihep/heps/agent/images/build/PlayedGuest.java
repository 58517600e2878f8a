package cn.ac.ihep.heps.agent.images.build;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a guest would report, derived only from what a guest has: its user data (build id, phase
 * and components are all in it). The fake hypervisor runs no guest, so tests set the result
 * line as the guest's Compute API call would: server metadata {@code heps.build-result}.
 */
final class PlayedGuest {

    private static final Pattern BUILD_ID = Pattern.compile("HEPS_BUILD_ID='([a-z0-9]+)'");
    private static final Pattern PHASE = Pattern.compile("HEPS_PHASE='([a-z]+)'");
    private static final Pattern COMPONENT = Pattern.compile("^# ---- ([a-z0-9-]+) ", Pattern.MULTILINE);

    private PlayedGuest() {
    }

    static String buildId(String userData) {
        return find(BUILD_ID, userData);
    }

    static String phase(String userData) {
        return find(PHASE, userData);
    }

    static List<String> components(String userData) {
        List<String> names = new ArrayList<>();
        Matcher matcher = COMPONENT.matcher(userData);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    /** The line the guest would write, with each component's check result from {@code checkPasses}. */
    static String resultLine(String userData, String failedStep, Function<String, Boolean> checkPasses) {
        Map<String, Boolean> checks = new LinkedHashMap<>();
        for (String component : components(userData)) {
            checks.put(component, checkPasses.apply(component));
        }
        return new BuildSignal(buildId(userData), phase(userData), failedStep == null, failedStep, checks).toLine();
    }

    private static String find(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        if (!matcher.find()) {
            throw new IllegalArgumentException("Not a HEPS build user data");
        }
        return matcher.group(1);
    }
}
