package cn.ac.ihep.heps.agent.idle;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The site's idle limits: a site default and per-beamline values for each limit, which an
 * experiment may override for its own desktops. Each setting reads
 * {@code <default>[, <beamline>=<limit>]...}, a limit being {@code off} or an ISO-8601
 * duration: {@code PT2H, high-pressure=PT4H, nanoprobe=off}.
 *
 * <p>The defaults: sessions are never disconnected for lack of input; a GPU desktop is shelved
 * after 2 hours without a connection, a desktop without GPUs never.
 */
public final class IdleSettings {

    public static final String DEFAULT_DISCONNECT_AFTER = "off";
    public static final String DEFAULT_SHELVE_AFTER = "PT2H";
    public static final String DEFAULT_SHELVE_AFTER_WITHOUT_GPU = "off";

    /** One limit: its site default and the beamlines that set their own. */
    record PerBeamline(IdleLimit siteDefault, Map<String, IdleLimit> beamlines) {

        IdleLimit forBeamline(String beamline) {
            return beamlines.getOrDefault(beamline, siteDefault);
        }

        static PerBeamline parse(String name, String text) {
            String[] parts = (text == null ? "" : text).split(",");
            IdleLimit siteDefault = null;
            Map<String, IdleLimit> beamlines = new LinkedHashMap<>();
            for (String raw : parts) {
                String part = raw.trim();
                if (part.isEmpty()) {
                    continue;
                }
                int equals = part.indexOf('=');
                try {
                    if (equals < 0) {
                        if (siteDefault != null) {
                            throw new IllegalArgumentException("has two site defaults ('" + siteDefault + "' and '"
                                    + part + "'); write <default>, <beamline>=<limit>, ...");
                        }
                        siteDefault = IdleLimit.parse(part);
                    } else {
                        String beamline = part.substring(0, equals).trim();
                        if (beamline.isEmpty()) {
                            throw new IllegalArgumentException("names no beamline before '=' in '" + part + "'");
                        }
                        if (beamlines.put(beamline, IdleLimit.parse(part.substring(equals + 1))) != null) {
                            throw new IllegalArgumentException("names beamline " + beamline + " twice");
                        }
                    }
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(name + " " + e.getMessage(), e);
                }
            }
            if (siteDefault == null) {
                throw new IllegalArgumentException(name + " needs a site default first (off or a duration), "
                        + "then any <beamline>=<limit>");
            }
            return new PerBeamline(siteDefault, Map.copyOf(beamlines));
        }
    }

    private final PerBeamline disconnectAfter;
    private final PerBeamline shelveAfter;
    private final PerBeamline shelveAfterWithoutGpu;

    private IdleSettings(PerBeamline disconnectAfter, PerBeamline shelveAfter, PerBeamline shelveAfterWithoutGpu) {
        this.disconnectAfter = disconnectAfter;
        this.shelveAfter = shelveAfter;
        this.shelveAfterWithoutGpu = shelveAfterWithoutGpu;
    }

    /**
     * Reads the three settings; an {@link IllegalArgumentException} names the setting and what
     * is wrong with it.
     */
    public static IdleSettings parse(String disconnectAfter, String shelveAfter, String shelveAfterWithoutGpu) {
        return new IdleSettings(PerBeamline.parse("idle-disconnect-after", disconnectAfter),
                PerBeamline.parse("idle-shelve-after", shelveAfter),
                PerBeamline.parse("idle-shelve-after-without-gpu", shelveAfterWithoutGpu));
    }

    public static IdleSettings defaults() {
        return parse(DEFAULT_DISCONNECT_AFTER, DEFAULT_SHELVE_AFTER, DEFAULT_SHELVE_AFTER_WITHOUT_GPU);
    }

    /**
     * The policy for one desktop: the experiment's own limits where it sets them, else its
     * beamline's, else the site default.
     *
     * @param experimentDisconnectAfter null when the experiment does not set it
     * @param experimentShelveAfter null when the experiment does not set it
     */
    public IdlePolicy policyFor(String beamline, int gpus, IdleLimit experimentDisconnectAfter,
            IdleLimit experimentShelveAfter) {
        IdleLimit disconnect = experimentDisconnectAfter != null ? experimentDisconnectAfter
                : disconnectAfter.forBeamline(beamline);
        IdleLimit shelve = experimentShelveAfter != null ? experimentShelveAfter
                : (gpus > 0 ? shelveAfter : shelveAfterWithoutGpu).forBeamline(beamline);
        return new IdlePolicy(disconnect.duration(), shelve.duration());
    }

    /** The policy of a desktop whose experiment sets no limit of its own. */
    public IdlePolicy policyFor(String beamline, int gpus) {
        return policyFor(beamline, gpus, null, null);
    }

    /** How long before a disconnect the VM resolver warns the user. */
    public static Duration warningBefore(Duration disconnectAfter) {
        // Five minutes, but never more than a third of the limit (a 6-minute limit warns at 4).
        Duration third = disconnectAfter.dividedBy(3);
        Duration five = Duration.ofMinutes(5);
        return third.compareTo(five) < 0 ? third : five;
    }
}
