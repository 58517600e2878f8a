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

    public record DesktopInput(String os, Integer gpus, String flavor, String protocol) {
    }
}
