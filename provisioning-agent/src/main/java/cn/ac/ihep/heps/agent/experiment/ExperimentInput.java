package cn.ac.ihep.heps.agent.experiment;

import java.util.List;

/**
 * An experiment as a client sends it (API body or {@code heps experiments apply -f} file),
 * before validation. Fields are strings so that a bad value is reported by name rather
 * than failing to parse.
 */
public record ExperimentInput(
        String proposalId,
        String beamline,
        String group,
        String startsAt,
        String endsAt,
        DesktopInput desktop,
        List<String> members) {

    /**
     * {@code idle}: the experiment's own idle limits, each {@code off} or a duration; null keeps the beamline's.
     * {@code access}: {@code personal} (the default) or {@code experiment}, see {@link DesktopAccess}.
     */
    public record DesktopInput(String os, Integer gpus, String flavor, String protocol, IdleOverride idle,
            String access) {

        public DesktopInput(String os, Integer gpus, String flavor, String protocol) {
            this(os, gpus, flavor, protocol, null, null);
        }

        public DesktopInput(String os, Integer gpus, String flavor, String protocol, IdleOverride idle) {
            this(os, gpus, flavor, protocol, idle, null);
        }
    }
}
