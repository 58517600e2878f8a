package cn.ac.ihep.heps.agent.experiment;

/**
 * What desktop each member of an experiment gets.
 *
 * @param os {@code linux} or {@code windows}
 * @param gpus GPUs per desktop; must match what the flavor asks for
 * @param flavor Nova flavor name or id
 * @param protocol {@code rdp} or {@code vnc}, or null for the OS default (CONTRACTS §3)
 * @param idle the experiment's own idle limits, or null to keep its beamline's
 * @param access who besides its owner may open each member's desktop; personal unless asked
 */
public record DesktopSpec(String os, int gpus, String flavor, String protocol, IdleOverride idle,
        DesktopAccess access) {

    public DesktopSpec {
        access = access == null ? DesktopAccess.personal : access;
    }

    public DesktopSpec(String os, int gpus, String flavor, String protocol) {
        this(os, gpus, flavor, protocol, null, null);
    }

    public DesktopSpec(String os, int gpus, String flavor, String protocol, IdleOverride idle) {
        this(os, gpus, flavor, protocol, idle, null);
    }
}
