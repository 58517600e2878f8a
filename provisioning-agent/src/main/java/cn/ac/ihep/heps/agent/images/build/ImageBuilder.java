package cn.ac.ihep.heps.agent.images.build;

import cn.ac.ihep.heps.agent.images.catalog.BuildImageProperties;
import cn.ac.ihep.heps.agent.images.catalog.CurrentImageRule;
import cn.ac.ihep.heps.agent.images.catalog.ImageCatalog;
import cn.ac.ihep.heps.agent.images.hash.RecipeFingerprint;
import cn.ac.ihep.heps.agent.images.hash.RecipeHasher;
import cn.ac.ihep.heps.agent.images.recipe.BeamlineRecipe;
import cn.ac.ihep.heps.agent.images.recipe.InputResolver;
import cn.ac.ihep.heps.agent.images.recipe.OsFamily;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLibrary;
import cn.ac.ihep.heps.agent.images.recipe.ResolvedBeamline;
import cn.ac.ihep.heps.agent.images.recipe.SkippedComponent;
import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerRequest;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds one beamline image through the {@link CloudProvider}:
 * <ol>
 *   <li>remove leftovers of dead builds;</li>
 *   <li>boot a builder VM from the pinned base image with user data that installs every component
 *       (but those skipped for want of a site-provided input), runs every check and reports a
 *       {@link BuildSignal};</li>
 *   <li>wait for the signal (console output, or the {@code heps.build-result} metadata);</li>
 *   <li>stop the VM, snapshot it, wait for the image, delete the VM;</li>
 *   <li>boot the new image with user data that runs the checks again, and wait for that signal;</li>
 *   <li>only then give the image its CONTRACTS §2 properties (so it can become current), promote
 *       it and prune old versions.</li>
 * </ol>
 * Whatever fails or is stopped, the VMs and the unfinished image are removed.
 */
public final class ImageBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(ImageBuilder.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int CONSOLE_LINES = 400;

    private final CloudProvider cloud;
    private final BuildSettings settings;
    private final InputResolver inputs;
    private final RecipeHasher hasher;
    private final ImageCatalog catalog;
    private final Clock clock;
    private final Sleeper sleeper;

    /** Waits between polls; tests pass one that does not sleep for real. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    public ImageBuilder(CloudProvider cloud, BuildSettings settings, InputResolver inputs, RecipeHasher hasher,
            ImageCatalog catalog, Clock clock, Sleeper sleeper) {
        this.cloud = cloud;
        this.settings = settings;
        this.inputs = inputs;
        this.hasher = hasher;
        this.catalog = catalog;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    public static ImageBuilder create(CloudProvider cloud, BuildSettings settings, InputResolver inputs) {
        return new ImageBuilder(cloud, settings, inputs, new RecipeHasher(), new ImageCatalog(cloud), Clock.systemUTC(),
                duration -> Thread.sleep(duration.toMillis()));
    }

    public BuildResult build(BeamlineRecipe beamline, RecipeLibrary library, BuildListener listener) {
        Instant started = clock.instant();
        String buildId = newBuildId();
        String id = beamline.id();
        // Resolve everything that can be wrong locally before anything is created in the cloud.
        ResolvedBeamline resolved = inputs.resolve(beamline, library);
        RecipeFingerprint fingerprint = hasher.fingerprint(beamline, library, resolved.skippedNames());
        GuestPlan buildPlan = GuestPlan.of(buildId, BuildConventions.PHASE_BUILD, beamline, library, resolved, settings.signalCredential())
                .withPackageProxy(settings.packageProxy());
        GuestPlan validatePlan = GuestPlan.of(buildId, BuildConventions.PHASE_VALIDATE, beamline, library, resolved, settings.signalCredential())
                .withPackageProxy(settings.packageProxy());
        String buildUserData = UserDataRenderer.renderChecked(buildPlan);
        String validateUserData = UserDataRenderer.renderChecked(validatePlan);

        for (SkippedComponent skipped : resolved.skipped()) {
            listener.step(id, skipped.describe());
        }

        LeftoverSweeper.Swept swept = new LeftoverSweeper(cloud, clock).sweep();
        if (!swept.isEmpty()) {
            listener.step(id, "removed leftovers of stopped builds: " + swept.servers().size() + " VM(s), "
                    + swept.images().size() + " image(s)");
        }
        CloudImage base = baseImage(beamline);
        CloudFlavor flavor = cloud.findFlavor(settings.builderFlavor()).orElseThrow(() -> new BuildFailedException(
                "No flavor '" + settings.builderFlavor() + "' for builder VMs: set build.flavor in the site file"));

        try (BuildArtifacts artifacts = BuildArtifacts.withShutdownHook(cloud)) {
            try {
                String imageName = BuildConventions.imageName(id, buildId);
                listener.step(id, "booting builder VM from " + base.name() + " (build " + buildId + ")");
                CloudServer builder = boot(artifacts, BuildConventions.PHASE_BUILD, beamline, buildId, base.id(), flavor, buildUserData);
                BuildSignal built = awaitSignal(builder.id(), buildId, BuildConventions.PHASE_BUILD,
                        settings.buildTimeout(), id, listener);
                if (!built.passed()) {
                    throw new BuildFailedException("The build of " + id + " failed in the guest: " + built.describe());
                }
                listener.step(id, "installed: " + built.describe() + "; stopping the builder VM");
                stop(builder.id(), beamline.os());

                listener.step(id, "snapshotting into image " + imageName);
                cloud.setServerMetadata(builder.id(), Map.of(BuildConventions.META_IMAGE_NAME, imageName,
                        BuildConventions.META_LEASE_UNTIL, leaseUntil()));
                artifacts.creating();
                String imageId;
                try {
                    imageId = cloud.createSnapshot(builder.id(), imageName);
                } catch (RuntimeException e) {
                    artifacts.createFailed();
                    throw e;
                }
                artifacts.createdImage(imageId);
                // The recipe's own properties (machine type, buses) now: the validation boot runs the
                // image on the hardware desktops will get. What makes it current comes after.
                Map<String, String> unvalidated = new LinkedHashMap<>(beamline.imageProperties());
                unvalidated.put(BuildImageProperties.BUILD_ID, buildId);
                unvalidated.put(BuildImageProperties.BUILD_STATE, BuildImageProperties.STATE_UNVALIDATED);
                unvalidated.put(BuildImageProperties.BUILD_LEASE_UNTIL, leaseUntil());
                cloud.updateImageProperties(imageId, unvalidated);
                awaitImageActive(imageId, id, listener);
                cloud.deleteServer(builder.id());
                artifacts.forgetServer(builder.id());

                listener.step(id, "validation boot of " + imageName);
                CloudServer validator = boot(artifacts, BuildConventions.PHASE_VALIDATE, beamline, buildId, imageId, flavor, validateUserData);
                BuildSignal validated = awaitSignal(validator.id(), buildId, BuildConventions.PHASE_VALIDATE,
                        settings.validationTimeout(), id, listener, imageId);
                if (!validated.passed()) {
                    throw new BuildFailedException("The validation boot of " + id + " failed: " + validated.describe());
                }
                cloud.deleteServer(validator.id());
                artifacts.forgetServer(validator.id());

                if (!settings.promote()) {
                    // The newest image is current unless one is promoted: pin today's current image
                    // first, so the new one waits for 'heps images promote'.
                    catalog.current(id).filter(current -> !CurrentImageRule.isPromoted(current))
                            .ifPresent(current -> catalog.promote(id, current.id()));
                }
                cloud.updateImageProperties(imageId, finalProperties(beamline, fingerprint, buildId, base));
                artifacts.handOverImage(imageId);
                boolean promoted = false;
                if (settings.promote()) {
                    catalog.promote(id, imageId);
                    promoted = true;
                }
                prune(id);
                listener.step(id, "image " + imageName + " validated" + (promoted ? " and promoted" : ""));
                LOG.info("Built image {} ({}) for beamline {} in {}", imageId, imageName, id, Duration.between(started, clock.instant()));
                return new BuildResult(id, buildId, imageId, imageName, fingerprint.recipeHash(), fingerprint.componentVersions(),
                        resolved.skipped(), validated.checks(), promoted, Duration.between(started, clock.instant()));
            } catch (RuntimeException e) {
                listener.step(id, "build failed: removing its VMs and unfinished image");
                artifacts.removeAll();
                if (e instanceof BuildFailedException) {
                    throw e;
                }
                throw new BuildFailedException("The build of " + id + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** Old versions are housekeeping: failing to delete one never fails a build that produced a good image. */
    private void prune(String beamline) {
        if (settings.keepVersions() < 1) {
            return;
        }
        try {
            catalog.prune(beamline, settings.keepVersions(), false);
        } catch (RuntimeException e) {
            LOG.warn("Built {} but could not prune its old images ({}); run 'heps images prune {}' later",
                    beamline, e.getMessage(), beamline);
        }
    }

    private CloudImage baseImage(BeamlineRecipe beamline) {
        String name = beamline.baseImage().name();
        List<CloudImage> matches = cloud.listImages(Map.of("name", name)).stream()
                .filter(image -> name.equals(image.name()))
                .filter(image -> "active".equalsIgnoreCase(image.status()))
                .toList();
        if (matches.isEmpty()) {
            throw new BuildFailedException("Base image '" + name + "' of " + beamline.id()
                    + " is not in Glance (or not active): upload it or fix base_image.name");
        }
        if (matches.size() > 1) {
            throw new BuildFailedException(matches.size() + " active images are named '" + name
                    + "': a base image is pinned by a unique name; rename or delete the others");
        }
        CloudImage base = matches.get(0);
        if (base.properties().containsKey(ImageProperties.BEAMLINE)) {
            throw new BuildFailedException("Base image '" + name + "' is itself a beamline image (it has heps_beamline); "
                    + "build from a plain OS image, or a snapshot would inherit that property");
        }
        return base;
    }

    private CloudServer boot(BuildArtifacts artifacts, String phase, BeamlineRecipe beamline, String buildId, String imageId,
            CloudFlavor flavor, String userData) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(BuildConventions.META_BUILD_ID, buildId);
        metadata.put(BuildConventions.META_BEAMLINE, beamline.id());
        metadata.put(BuildConventions.META_PHASE, phase);
        metadata.put(BuildConventions.META_LEASE_UNTIL, leaseUntil());
        ServerRequest request = new ServerRequest(BuildConventions.builderName(beamline.id(), buildId, phase), imageId,
                flavor.id(), settings.network(), Set.of(BuildConventions.BUILDER_TAG), metadata, userData, null);
        artifacts.creating();
        CloudServer server;
        try {
            server = cloud.createServer(request);
        } catch (RuntimeException e) {
            artifacts.createFailed();
            throw e;
        }
        artifacts.createdServer(server.id());
        return server;
    }

    private BuildSignal awaitSignal(String serverId, String buildId, String phase, Duration timeout, String beamline,
            BuildListener listener) {
        return awaitSignal(serverId, buildId, phase, timeout, beamline, listener, null);
    }

    /** Polls the VM's state, console and metadata until the guest's signal arrives; renews the leases meanwhile. */
    private BuildSignal awaitSignal(String serverId, String buildId, String phase, Duration timeout, String beamline,
            BuildListener listener, String imageUnderValidation) {
        Instant deadline = clock.instant().plus(timeout);
        Instant nextRenewal = clock.instant().plus(settings.lease().dividedBy(3));
        while (true) {
            CloudServer server = cloud.findServer(serverId).orElseThrow(() -> new BuildFailedException(
                    "The " + phase + " VM " + serverId + " disappeared"));
            if (server.state() == ServerState.ERROR) {
                throw new BuildFailedException("The " + phase + " VM " + serverId + " went into ERROR (Nova could not boot it)");
            }
            Optional<BuildSignal> signal = BuildSignal.find(server.metadata().get(BuildConventions.META_RESULT), buildId, phase);
            if (signal.isEmpty() && server.state() == ServerState.ACTIVE) {
                signal = BuildSignal.find(consoleOutput(serverId), buildId, phase);
            }
            if (signal.isPresent()) {
                return signal.get();
            }
            Instant now = clock.instant();
            if (now.isAfter(deadline)) {
                throw new BuildFailedException("No " + phase + " result from VM " + serverId + " within " + timeout
                        + " (state " + server.state() + "); its console log says why: openstack console log show " + serverId);
            }
            if (!now.isBefore(nextRenewal)) {
                String lease = leaseUntil();
                cloud.setServerMetadata(serverId, Map.of(BuildConventions.META_LEASE_UNTIL, lease));
                if (imageUnderValidation != null) {
                    cloud.updateImageProperties(imageUnderValidation, Map.of(BuildImageProperties.BUILD_LEASE_UNTIL, lease));
                }
                nextRenewal = now.plus(settings.lease().dividedBy(3));
            }
            listener.step(beamline, "waiting for the guest to " + (BuildConventions.PHASE_BUILD.equals(phase)
                    ? "install and check" : "run the checks") + " (" + server.state().name().toLowerCase(java.util.Locale.ROOT) + ")");
            pause();
        }
    }

    private String consoleOutput(String serverId) {
        try {
            return cloud.consoleOutput(serverId, CONSOLE_LINES);
        } catch (CloudException e) {
            // A console that cannot be read yet (VM still spawning) is not a failure; the metadata path may still answer.
            LOG.debug("Console of {} not readable yet: {}", serverId, e.getMessage());
            return "";
        }
    }

    /** Windows powers itself off after sysprep; Linux is stopped through the API. */
    private void stop(String serverId, OsFamily os) {
        Instant deadline = clock.instant().plus(settings.shutdownTimeout());
        boolean stopRequested = false;
        while (true) {
            CloudServer server = cloud.findServer(serverId).orElseThrow(() -> new BuildFailedException("The builder VM disappeared"));
            if (server.state() == ServerState.SHUTOFF) {
                return;
            }
            if (server.state() == ServerState.ERROR) {
                throw new BuildFailedException("The builder VM went into ERROR while stopping");
            }
            if (!stopRequested && os == OsFamily.LINUX) {
                cloud.stopServer(serverId);
                stopRequested = true;
            }
            if (clock.instant().isAfter(deadline)) {
                throw new BuildFailedException(os == OsFamily.WINDOWS
                        ? "The Windows builder did not power off within " + settings.shutdownTimeout() + ": sysprep failed (see C:\\Windows\\System32\\Sysprep\\Panther\\setupact.log)"
                        : "The builder VM did not stop within " + settings.shutdownTimeout());
            }
            pause();
        }
    }

    private void awaitImageActive(String imageId, String beamline, BuildListener listener) {
        Instant deadline = clock.instant().plus(settings.imageTimeout());
        while (true) {
            CloudImage image = cloud.findImage(imageId).orElseThrow(() -> new BuildFailedException("The snapshot " + imageId + " disappeared"));
            String status = image.status() == null ? "" : image.status().toLowerCase(java.util.Locale.ROOT);
            if (status.equals("active")) {
                return;
            }
            if (status.equals("killed") || status.equals("deleted") || status.equals("deactivated")) {
                throw new BuildFailedException("The snapshot " + imageId + " ended " + status + " in Glance");
            }
            if (clock.instant().isAfter(deadline)) {
                throw new BuildFailedException("The snapshot " + imageId + " was still " + status + " after " + settings.imageTimeout());
            }
            listener.step(beamline, "waiting for Glance to store the snapshot (" + status + ")");
            pause();
        }
    }

    private Map<String, String> finalProperties(BeamlineRecipe beamline, RecipeFingerprint fingerprint, String buildId, CloudImage base) {
        Map<String, String> properties = new LinkedHashMap<>(beamline.imageProperties());
        properties.put(ImageProperties.BEAMLINE, beamline.id());
        properties.put(ImageProperties.RECIPE, beamline.id());
        properties.put(ImageProperties.RECIPE_VERSION, fingerprint.recipeHash());
        properties.put(ImageProperties.COMPONENTS, ImageCatalog.toJson(fingerprint.componentVersions()));
        properties.put(ImageProperties.OS_TYPE, beamline.os().wireName());
        properties.put(BuildImageProperties.COMPONENT_HASHES, ImageCatalog.toJson(fingerprint.componentHashes()));
        if (!fingerprint.skippedComponents().isEmpty()) {
            properties.put(BuildImageProperties.SKIPPED_COMPONENTS, String.join(",", fingerprint.skippedComponents()));
        }
        properties.put(BuildImageProperties.BUILD_ID, buildId);
        properties.put(BuildImageProperties.BASE_IMAGE, base.id());
        properties.put(BuildImageProperties.BUILD_STATE, BuildImageProperties.STATE_VALIDATED);
        return properties;
    }

    private String leaseUntil() {
        return clock.instant().plus(settings.lease()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    private void pause() {
        try {
            sleeper.sleep(settings.pollInterval());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildFailedException("The build was interrupted");
        }
    }

    static String newBuildId() {
        byte[] bytes = new byte[5];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
