package cn.ac.ihep.heps.agent.images.recipe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The value of every input of every component of a beamline: the beamline recipe's value, else
 * the site's, else the component's default. A component whose required site-provided input has
 * none of these is skipped; any other required input without one is a problem.
 *
 * <p>Components do not depend on one another in the recipe model (a beamline lists them in
 * install order and each stands alone), so skipping one never leaves another without what it needs.
 */
public final class InputResolver {

    /** One component's inputs with their values; {@code secrets} names those never to log. */
    public record ResolvedInputs(String component, Map<String, String> values, Set<String> secrets) {

        public ResolvedInputs {
            values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
            secrets = Set.copyOf(secrets);
        }
    }

    private final SiteConfig site;

    public InputResolver(SiteConfig site) {
        this.site = site;
    }

    /**
     * Every installed component's inputs in install order and every skipped component, or a
     * {@link RecipeException} naming each missing input of the components that would be installed.
     */
    public ResolvedBeamline resolve(BeamlineRecipe beamline, RecipeLibrary library) {
        List<ResolvedInputs> installed = new ArrayList<>();
        List<SkippedComponent> skipped = new ArrayList<>();
        List<RecipeProblem> problems = new ArrayList<>();
        String file = "images/beamlines/" + beamline.id() + ".yaml";
        for (ComponentUse use : beamline.components()) {
            Component component = library.component(use.name());
            Optional<SkippedComponent> skip = skipReason(beamline, use, component);
            if (skip.isPresent()) {
                skipped.add(skip.get());
                continue;
            }
            Map<String, String> values = new LinkedHashMap<>();
            Set<String> secrets = new LinkedHashSet<>();
            for (InputDeclaration input : component.inputsFor(beamline.os())) {
                Optional<String> value = value(beamline, use, component, input);
                if (value.isPresent()) {
                    values.put(input.name(), value.get());
                    if (input.secret()) {
                        secrets.add(input.name());
                    }
                } else if (input.required()) {
                    problems.add(new RecipeProblem(file, 0, "components." + component.name() + ".inputs." + input.name(),
                            "component '" + component.name() + "' needs input '" + input.name() + "' ("
                                    + input.description() + "): set it in the site file under inputs." + component.name()
                                    + "." + input.name() + " or in the beamline recipe"));
                }
            }
            installed.add(new ResolvedInputs(component.name(), values, secrets));
        }
        if (!problems.isEmpty()) {
            throw new RecipeException(problems);
        }
        return new ResolvedBeamline(beamline.id(), installed, skipped);
    }

    /**
     * The components this site's inputs leave out of the beamline's image. Unlike {@link #resolve}
     * it never fails on other missing inputs, so a plan can be made from an incomplete site file.
     */
    public List<SkippedComponent> skipped(BeamlineRecipe beamline, RecipeLibrary library) {
        List<SkippedComponent> skipped = new ArrayList<>();
        for (ComponentUse use : beamline.components()) {
            skipReason(beamline, use, library.component(use.name())).ifPresent(skipped::add);
        }
        return skipped;
    }

    /** The first required site-provided input without a value, if any: it alone decides the skip. */
    private Optional<SkippedComponent> skipReason(BeamlineRecipe beamline, ComponentUse use, Component component) {
        return component.inputsFor(beamline.os()).stream()
                .filter(input -> input.siteProvided() && input.required())
                .filter(input -> value(beamline, use, component, input).isEmpty())
                .findFirst()
                .map(input -> SkippedComponent.of(component, input));
    }

    private Optional<String> value(BeamlineRecipe beamline, ComponentUse use, Component component, InputDeclaration input) {
        return Optional.ofNullable(use.inputs().get(input.name()))
                .or(() -> site.input(component.name(), beamline.os(), input.name()))
                .or(() -> Optional.ofNullable(input.defaultValue()));
    }
}
