package cn.ac.ihep.heps.agent.images.build;

import java.time.Duration;
import java.util.Optional;

/**
 * How the site builds images.
 *
 * @param builderFlavor flavor of builder and validation VMs (no GPU needed: drivers install without one)
 * @param network network that gives builder VMs an address (the artifact store and package mirrors must be reachable)
 * @param buildTimeout how long the guest may take to install everything
 * @param validationTimeout how long a validation boot may take to run the checks
 * @param shutdownTimeout how long a VM may take to stop (Windows: to finish sysprep and power off)
 * @param imageTimeout how long Glance may take to make a snapshot active
 * @param pollInterval time between looks at the VM, its console and its metadata
 * @param lease how long a build's VMs and images count as alive without renewal; a later run removes them after it
 * @param keepVersions images kept per beamline after a successful build (the current one always stays)
 * @param promote whether a validated image becomes the beamline's current image at once
 * @param signalCredential lets guests signal through the Compute API as well as the console
 */
public record BuildSettings(
        String builderFlavor,
        String network,
        Duration buildTimeout,
        Duration validationTimeout,
        Duration shutdownTimeout,
        Duration imageTimeout,
        Duration pollInterval,
        Duration lease,
        int keepVersions,
        boolean promote,
        Optional<SignalCredential> signalCredential) {

    public static BuildSettings defaults(String builderFlavor, String network) {
        return new BuildSettings(builderFlavor, network, Duration.ofMinutes(90), Duration.ofMinutes(20),
                Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofSeconds(10), Duration.ofMinutes(10), 3, true,
                Optional.empty());
    }

    public BuildSettings withTimeouts(Duration build, Duration validation, Duration shutdown, Duration image, Duration poll) {
        return new BuildSettings(builderFlavor, network, build, validation, shutdown, image, poll, lease, keepVersions,
                promote, signalCredential);
    }

    public BuildSettings withLease(Duration newLease) {
        return new BuildSettings(builderFlavor, network, buildTimeout, validationTimeout, shutdownTimeout, imageTimeout,
                pollInterval, newLease, keepVersions, promote, signalCredential);
    }

    public BuildSettings withSignalCredential(SignalCredential credential) {
        return new BuildSettings(builderFlavor, network, buildTimeout, validationTimeout, shutdownTimeout, imageTimeout,
                pollInterval, lease, keepVersions, promote, Optional.ofNullable(credential));
    }

    public BuildSettings withKeepVersions(int keep, boolean promoteAfterBuild) {
        return new BuildSettings(builderFlavor, network, buildTimeout, validationTimeout, shutdownTimeout, imageTimeout,
                pollInterval, lease, keep, promoteAfterBuild, signalCredential);
    }
}
