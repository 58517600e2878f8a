package cn.ac.ihep.heps.agent.images.build;

import cn.ac.ihep.heps.agent.images.recipe.BeamlineRecipe;
import cn.ac.ihep.heps.agent.images.recipe.Component;
import cn.ac.ihep.heps.agent.images.recipe.InputResolver.ResolvedInputs;
import cn.ac.ihep.heps.agent.images.recipe.OsFamily;
import cn.ac.ihep.heps.agent.images.recipe.PlatformRecipe;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLibrary;
import cn.ac.ihep.heps.agent.images.recipe.ResolvedBeamline;
import cn.ac.ihep.heps.agent.images.recipe.Step;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What one guest runs: in the {@code build} phase every component's steps and then every
 * check; in the {@code validate} phase (a boot of the finished image) the checks only. Components
 * skipped for want of a site-provided input are neither installed nor checked.
 * A package proxy, when the site has one, serves the guest's package downloads during the run only.
 */
public record GuestPlan(
        String buildId, String phase, String beamline, OsFamily os, List<GuestComponent> components,
        Optional<SignalCredential> signalCredential, Optional<URI> packageProxy) {

    public GuestPlan {
        components = List.copyOf(components);
    }

    /** One component as the guest runs it. */
    public record GuestComponent(
            String name, String version, List<GuestStep> steps, String check, Map<String, String> inputs, Set<String> secrets) {

        public GuestComponent {
            steps = List.copyOf(steps);
            inputs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(inputs));
            secrets = Set.copyOf(secrets);
        }
    }

    /** @param slug the step's name as it appears in {@code failed=<component>/<slug>} */
    public record GuestStep(String name, String slug, String run) {
    }

    public GuestPlan withPackageProxy(Optional<URI> proxy) {
        return new GuestPlan(buildId, phase, beamline, os, components, signalCredential, proxy);
    }

    public boolean installs() {
        return BuildConventions.PHASE_BUILD.equals(phase);
    }

    public static GuestPlan of(String buildId, String phase, BeamlineRecipe beamline, RecipeLibrary library,
            ResolvedBeamline inputs, Optional<SignalCredential> signalCredential) {
        if (!inputs.beamline().equals(beamline.id())) {
            throw new IllegalArgumentException("Inputs of beamline " + inputs.beamline() + " given for " + beamline.id());
        }
        List<GuestComponent> components = new ArrayList<>();
        for (ResolvedInputs resolved : inputs.installed()) {
            Component component = library.component(resolved.component());
            PlatformRecipe platform = component.platform(beamline.os()).orElseThrow();
            List<GuestStep> steps = new ArrayList<>();
            for (Step step : platform.steps()) {
                steps.add(new GuestStep(step.name(), step.slug(), step.run()));
            }
            components.add(new GuestComponent(component.name(), component.versionFor(beamline.os()), steps,
                    platform.check(), resolved.values(), resolved.secrets()));
        }
        return new GuestPlan(buildId, phase, beamline.id(), beamline.os(), components, signalCredential, Optional.empty());
    }
}
