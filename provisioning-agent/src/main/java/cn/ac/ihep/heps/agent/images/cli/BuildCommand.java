package cn.ac.ihep.heps.agent.images.cli;

import cn.ac.ihep.heps.agent.cli.support.BadInputException;
import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.cli.support.Progress;
import cn.ac.ihep.heps.agent.cli.support.TablePrinter;
import cn.ac.ihep.heps.agent.images.build.BuildFailedException;
import cn.ac.ihep.heps.agent.images.build.BuildResult;
import cn.ac.ihep.heps.agent.images.build.BuildSettings;
import cn.ac.ihep.heps.agent.images.build.ImageBuilder;
import cn.ac.ihep.heps.agent.images.build.SignalCredential;
import cn.ac.ihep.heps.agent.images.catalog.ImageCatalog;
import cn.ac.ihep.heps.agent.images.hash.RecipeHasher;
import cn.ac.ihep.heps.agent.images.plan.BuildPlanner;
import cn.ac.ihep.heps.agent.images.plan.PlanEntry;
import cn.ac.ihep.heps.agent.images.recipe.InputResolver;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLibrary;
import cn.ac.ihep.heps.agent.images.recipe.SiteConfig;
import cn.ac.ihep.heps.agent.images.recipe.SkippedComponent;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code heps images build}: builds the beamlines whose recipes changed (or the named ones with --force). */
@Command(name = "build", mixinStandardHelpOptions = true,
        description = {"Build beamline images in OpenStack: a builder VM installs the components, the VM is snapshotted,",
                "a validation boot of the new image runs every check again, and only then the image becomes current.",
                "Without --force, beamlines whose current image matches the recipe are skipped. Components whose",
                "site-provided input (installer, licence server, mirror) is unset are left out and named. A build that fails",
                "or is stopped removes its VMs and unfinished image. Exit codes: 0 all built, 1 a build failed, 2 bad input."})
class BuildCommand extends ImagesVerb {

    @Parameters(paramLabel = "BEAMLINE", arity = "0..*", description = "Beamlines to build (default: every beamline that changed).")
    List<String> named;

    @Option(names = "--force", description = "Build the named beamlines even when their image is up to date.")
    boolean force;

    @Option(names = "--no-promote", negatable = false,
            description = "Leave the current image as it is; promote the new one later with 'heps images promote'.")
    boolean noPromote;

    @Option(names = "--keep", paramLabel = "N", description = "Images kept per beamline after a build (default: site build.keep, else 3).")
    Integer keep;

    @Option(names = "--flavor", paramLabel = "FLAVOR", description = "Flavor of builder VMs (default: site build.flavor).")
    String flavor;

    @Option(names = "--network", paramLabel = "NETWORK", description = "Network of builder VMs (default: site build.network).")
    String network;

    @Option(names = "--package-proxy", paramLabel = "URL",
            description = "The site's package proxy or mirror for builder and validation VMs on a network without a route "
                    + "to the Internet, e.g. http://10.42.0.1:3142; the images do not keep it (default: site build.package_proxy).")
    String packageProxy;

    /** One beamline's outcome; {@code skipped} are the components its image leaves out. */
    record Outcome(String beamline, String status, String imageId, String imageName, String detail,
            List<SkippedComponent> skipped) {
    }

    @Override
    Integer execute() {
        RecipeLibrary library = library();
        SiteConfig site = site();
        BuildSettings settings = settings(site);
        CloudProvider cloud = cloud();
        List<String> ids = beamlines(library, named);
        List<Outcome> outcomes = new ArrayList<>();
        List<String> toBuild = new ArrayList<>();
        InputResolver inputs = new InputResolver(site);
        try (Progress progress = Progress.onStderr()) {
            if (force && named != null && !named.isEmpty()) {
                toBuild.addAll(ids);
            } else {
                progress.step("planning: comparing recipes with the current images");
                for (PlanEntry entry : new BuildPlanner(new RecipeHasher(), new ImageCatalog(cloud), inputs).plan(library, ids)) {
                    if (entry.needsBuild()) {
                        toBuild.add(entry.beamline());
                    } else {
                        outcomes.add(new Outcome(entry.beamline(), "up-to-date", entry.currentImageId(), null, "not rebuilt",
                                entry.skipped()));
                    }
                }
            }
            // Every missing input is reported before the first VM boots.
            toBuild.forEach(id -> inputs.resolve(library.beamline(id).orElseThrow(), library));
            ImageBuilder builder = ImageBuilder.create(cloud, settings, inputs);
            for (String id : toBuild) {
                try {
                    BuildResult result = builder.build(library.beamline(id).orElseThrow(), library,
                            (beamline, message) -> progress.step(beamline + ": " + message));
                    progress.done(id + ": built " + result.imageName() + " (" + result.imageId() + ") in "
                            + result.took().toMinutes() + " min");
                    outcomes.add(new Outcome(id, "built", result.imageId(), result.imageName(),
                            (result.promoted() ? "current; " : "not promoted; ") + result.checks().size() + " checks passed"
                                    + (result.skipped().isEmpty() ? "" : "; skipped " + String.join(", ",
                                            result.skipped().stream().map(SkippedComponent::component).toList())),
                            result.skipped()));
                } catch (BuildFailedException e) {
                    progress.done(id + ": FAILED: " + e.getMessage());
                    outcomes.add(new Outcome(id, "failed", null, null, e.getMessage(),
                            inputs.skipped(library.beamline(id).orElseThrow(), library)));
                }
            }
        }
        output.printer().printObject(outcomes, out -> {
            TablePrinter table = new TablePrinter("BEAMLINE", "RESULT", "IMAGE", "DETAIL");
            outcomes.forEach(o -> table.row(o.beamline(), o.status(), o.imageId(), o.detail()));
            table.print(out);
        });
        return outcomes.stream().anyMatch(o -> o.status().equals("failed")) ? ExitCode.FAILED : ExitCode.OK;
    }

    private BuildSettings settings(SiteConfig site) {
        String builderFlavor = Optional.ofNullable(flavor).or(() -> site.buildSetting("flavor")).orElseThrow(() ->
                new BadInputException("No flavor for builder VMs: pass --flavor or set build.flavor in the site file"));
        String builderNetwork = Optional.ofNullable(network).or(() -> site.buildSetting("network")).orElseThrow(() ->
                new BadInputException("No network for builder VMs: pass --network or set build.network in the site file"));
        BuildSettings settings = BuildSettings.defaults(builderFlavor, builderNetwork);
        Duration buildTimeout = duration(site, "build_timeout", settings.buildTimeout());
        Duration validationTimeout = duration(site, "validation_timeout", settings.validationTimeout());
        settings = settings.withTimeouts(buildTimeout, validationTimeout, settings.shutdownTimeout(), settings.imageTimeout(),
                settings.pollInterval()).withLease(duration(site, "lease", settings.lease()));
        int keepVersions = keep != null ? keep : site.buildSetting("keep").map(BuildCommand::positive).orElse(settings.keepVersions());
        if (keepVersions < 1) {
            throw new BadInputException("--keep must be at least 1");
        }
        settings = settings.withKeepVersions(keepVersions, !noPromote);
        Map<String, String> build = site.build();
        if (build.containsKey("signal_credential_id")) {
            settings = settings.withSignalCredential(new SignalCredential(required(build, "signal_auth_url"),
                    required(build, "signal_compute_url"), build.get("signal_credential_id"), required(build, "signal_credential_secret")));
        }
        Optional<URI> proxy = Optional.ofNullable(packageProxy).map(text -> packageProxy("--package-proxy", text))
                .or(() -> site.buildSetting("package_proxy").map(text -> packageProxy("build.package_proxy", text)));
        return proxy.isPresent() ? settings.withPackageProxy(proxy.get()) : settings;
    }

    /** A package proxy URL, checked here so that the message names where it came from (never repeating a password). */
    private static URI packageProxy(String setting, String text) {
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new BadInputException(setting + " is not a URL: use an http(s) URL such as http://10.42.0.1:3142");
        }
        try {
            BuildSettings.checkPackageProxy(uri);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(setting + ": " + e.getMessage());
        }
        return uri;
    }

    private static String required(Map<String, String> build, String key) {
        String value = build.get(key);
        if (value == null || value.isBlank()) {
            throw new BadInputException("build." + key + " is required in the site file when build.signal_credential_id is set");
        }
        return value;
    }

    private static Duration duration(SiteConfig site, String key, Duration fallback) {
        return site.buildSetting(key).map(text -> {
            try {
                return Duration.parse(text);
            } catch (DateTimeParseException e) {
                throw new BadInputException("build." + key + " is '" + text + "': use an ISO-8601 duration such as PT90M");
            }
        }).orElse(fallback);
    }

    private static int positive(String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new BadInputException("build.keep is '" + text + "': use a whole number of images, at least 1");
        }
    }
}
