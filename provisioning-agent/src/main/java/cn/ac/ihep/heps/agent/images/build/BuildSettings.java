package cn.ac.ihep.heps.agent.images.build;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
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
 * @param packageProxy the site's package proxy or mirror for builder and validation guests on a network without a
 *     route to the Internet (an http(s) URL such as {@code http://10.42.0.1:3142}); the images do not keep it
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
        Optional<SignalCredential> signalCredential,
        Optional<URI> packageProxy) {

    public BuildSettings {
        packageProxy.ifPresent(BuildSettings::checkPackageProxy);
    }

    public static BuildSettings defaults(String builderFlavor, String network) {
        return new BuildSettings(builderFlavor, network, Duration.ofMinutes(90), Duration.ofMinutes(20),
                Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofSeconds(10), Duration.ofMinutes(10), 3, true,
                Optional.empty(), Optional.empty());
    }

    public BuildSettings withTimeouts(Duration build, Duration validation, Duration shutdown, Duration image, Duration poll) {
        return new BuildSettings(builderFlavor, network, build, validation, shutdown, image, poll, lease, keepVersions,
                promote, signalCredential, packageProxy);
    }

    public BuildSettings withLease(Duration newLease) {
        return new BuildSettings(builderFlavor, network, buildTimeout, validationTimeout, shutdownTimeout, imageTimeout,
                pollInterval, newLease, keepVersions, promote, signalCredential, packageProxy);
    }

    public BuildSettings withSignalCredential(SignalCredential credential) {
        return new BuildSettings(builderFlavor, network, buildTimeout, validationTimeout, shutdownTimeout, imageTimeout,
                pollInterval, lease, keepVersions, promote, Optional.ofNullable(credential), packageProxy);
    }

    public BuildSettings withKeepVersions(int keep, boolean promoteAfterBuild) {
        return new BuildSettings(builderFlavor, network, buildTimeout, validationTimeout, shutdownTimeout, imageTimeout,
                pollInterval, lease, keep, promoteAfterBuild, signalCredential, packageProxy);
    }

    public BuildSettings withPackageProxy(URI proxy) {
        return new BuildSettings(builderFlavor, network, buildTimeout, validationTimeout, shutdownTimeout, imageTimeout,
                pollInterval, lease, keepVersions, promote, signalCredential, Optional.ofNullable(proxy));
    }

    /**
     * Refuses a package proxy the guests cannot use or that must not end up in user data and logs.
     * The message never repeats user information, which may hold a password.
     */
    public static void checkPackageProxy(URI proxy) {
        String scheme = proxy.getScheme() == null ? "" : proxy.getScheme().toLowerCase(Locale.ROOT);
        String problem = null;
        if (proxy.getRawUserInfo() != null) {
            problem = "must not hold a user name or password (they would end up in the guests' user data and logs)";
        } else if (!scheme.equals("http") && !scheme.equals("https")) {
            problem = "must be an http or https URL";
        } else if (proxy.getHost() == null || proxy.getHost().isEmpty()) {
            problem = "has no host";
        } else if (proxy.getRawQuery() != null || proxy.getRawFragment() != null) {
            problem = "must not have a query or fragment";
        }
        if (problem != null) {
            String shown = proxy.getRawUserInfo() != null ? scheme + "://***@" + proxy.getHost() : "'" + proxy + "'";
            throw new IllegalArgumentException("The package proxy " + shown + " " + problem
                    + ": use a URL such as http://10.42.0.1:3142");
        }
    }
}
