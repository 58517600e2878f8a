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
 * the site's, else the component's default. A required input with none of these is a problem.
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

    /** Every component's inputs in install order, or a {@link RecipeException} naming each missing one. */
    public List<ResolvedInputs> resolve(BeamlineRecipe beamline, RecipeLibrary library) {
        List<ResolvedInputs> resolved = new ArrayList<>();
        List<RecipeProblem> problems = new ArrayList<>();
        String file = "images/beamlines/" + beamline.id() + ".yaml";
        for (ComponentUse use : beamline.components()) {
            Component component = library.component(use.name());
            Map<String, String> values = new LinkedHashMap<>();
            Set<String> secrets = new LinkedHashSet<>();
            for (InputDeclaration input : component.inputsFor(beamline.os())) {
                Optional<String> value = Optional.ofNullable(use.inputs().get(input.name()))
                        .or(() -> site.input(component.name(), beamline.os(), input.name()))
                        .or(() -> Optional.ofNullable(input.defaultValue()));
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
            resolved.add(new ResolvedInputs(component.name(), values, secrets));
        }
        if (!problems.isEmpty()) {
            throw new RecipeException(problems);
        }
        return resolved;
    }
}
