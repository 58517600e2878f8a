package cn.ac.ihep.heps.guacamole.resolver.recording;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which desktops' sessions are recorded: a site default and the beamlines that differ, written
 * as the agent writes its per-beamline idle limits ({@code <default>[, <beamline>=<value>]...}),
 * each value {@code on} or {@code off}: {@code off, high-pressure=on} records the high-pressure
 * beamline only; {@code on, nanoprobe=off} every beamline but one. A desktop whose VM names no
 * beamline ({@code heps.beamline}) follows the site default.
 */
public record RecordingRule(boolean siteDefault, Map<String, Boolean> beamlines) {

    public RecordingRule {
        beamlines = Map.copyOf(beamlines);
    }

    /** Whether sessions on a desktop of this beamline (null: none named) are recorded. */
    public boolean records(String beamline) {
        return beamline == null ? siteDefault : beamlines.getOrDefault(beamline, siteDefault);
    }

    /** Whether any desktop at all is recorded under this rule. */
    public boolean recordsAny() {
        return siteDefault || beamlines.containsValue(true);
    }

    /** Parses the rule; the message of an {@link IllegalArgumentException} says what is wrong. */
    public static RecordingRule parse(String text) {
        Boolean siteDefault = null;
        Map<String, Boolean> beamlines = new LinkedHashMap<>();
        for (String raw : (text == null ? "" : text).split(",")) {
            String part = raw.trim();
            if (part.isEmpty()) {
                continue;
            }
            int equals = part.indexOf('=');
            if (equals < 0) {
                if (siteDefault != null) {
                    throw new IllegalArgumentException("has two site defaults; write <on|off>, <beamline>=<on|off>, ...");
                }
                siteDefault = onOff(part);
                continue;
            }
            String beamline = part.substring(0, equals).trim();
            if (beamline.isEmpty()) {
                throw new IllegalArgumentException("names no beamline before '=' in '" + part + "'");
            }
            if (beamlines.put(beamline, onOff(part.substring(equals + 1))) != null) {
                throw new IllegalArgumentException("names beamline " + beamline + " twice");
            }
        }
        if (siteDefault == null) {
            throw new IllegalArgumentException("needs a site default first (on or off), then any <beamline>=<on|off>");
        }
        return new RecordingRule(siteDefault, beamlines);
    }

    private static boolean onOff(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("takes on or off, not '" + value.trim() + "'");
        };
    }
}
