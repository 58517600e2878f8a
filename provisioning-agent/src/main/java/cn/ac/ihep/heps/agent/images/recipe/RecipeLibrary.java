package cn.ac.ihep.heps.agent.images.recipe;

import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/** Every component and beamline recipe of one {@code images/} directory, all valid. */
public record RecipeLibrary(SortedMap<String, Component> components, SortedMap<String, BeamlineRecipe> beamlines) {

    public RecipeLibrary {
        components = new TreeMap<>(components);
        beamlines = new TreeMap<>(beamlines);
    }

    public Optional<BeamlineRecipe> beamline(String id) {
        return Optional.ofNullable(beamlines.get(id));
    }

    public Component component(String name) {
        Component component = components.get(name);
        if (component == null) {
            throw new IllegalArgumentException("No component named " + name);
        }
        return component;
    }

    public static RecipeLibrary of(Map<String, Component> components, Map<String, BeamlineRecipe> beamlines) {
        return new RecipeLibrary(new TreeMap<>(components), new TreeMap<>(beamlines));
    }
}
