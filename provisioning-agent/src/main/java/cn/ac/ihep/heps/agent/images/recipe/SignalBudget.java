package cn.ac.ihep.heps.agent.images.recipe;

import java.util.List;

/**
 * The completion signal a guest sends must fit in one Nova metadata value, so a beamline's
 * component and step names are bounded. The guest sends the full line
 * ({@code ... status=ok checks=a:ok,b:ok}) and, when a failure makes it too long, the compact
 * one ({@code ... status=failed failed=a/step failed-checks=a,b}).
 */
public final class SignalBudget {

    public static final String PREFIX = "HEPS-BUILD-RESULT";
    /** Nova's limit for one metadata value. */
    public static final int MAX_LENGTH = 255;
    /** Build ids are ten hex digits; "validate" is the longer phase name. */
    private static final int HEAD = (PREFIX + " build=0123456789 phase=validate status=failed").length();

    private SignalBudget() {
    }

    /** The longest line a guest of this beamline can send through metadata. */
    public static int worstCase(List<String> componentNames, int longestFailedStep) {
        int names = componentNames.stream().mapToInt(String::length).sum() + Math.max(0, componentNames.size() - 1);
        int allPassed = (PREFIX + " build=0123456789 phase=validate status=ok checks=").length() + names + 3 * componentNames.size();
        int compactFailure = HEAD + " failed=".length() + longestFailedStep + " failed-checks=".length() + names;
        return Math.max(allPassed, compactFailure);
    }
}
