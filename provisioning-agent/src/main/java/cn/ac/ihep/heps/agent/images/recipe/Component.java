package cn.ac.ihep.heps.agent.images.recipe;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One installable piece of a desktop image ({@code images/components/<name>.yaml}). */
public record Component(
        String name,
        String version,
        String description,
        List<InputDeclaration> inputs,
        Map<OsFamily, PlatformRecipe> platforms,
        Path source) {

    public Component {
        inputs = List.copyOf(inputs);
        platforms = Map.copyOf(platforms);
    }

    public Optional<PlatformRecipe> platform(OsFamily os) {
        return Optional.ofNullable(platforms.get(os));
    }

    /** The version installed on {@code os}: the platform's own when it has one. */
    public String versionFor(OsFamily os) {
        PlatformRecipe platform = platforms.get(os);
        return platform != null && platform.version() != null ? platform.version() : version;
    }

    /** The component's inputs plus those of its {@code os} platform. */
    public List<InputDeclaration> inputsFor(OsFamily os) {
        PlatformRecipe platform = platforms.get(os);
        if (platform == null || platform.inputs().isEmpty()) {
            return inputs;
        }
        List<InputDeclaration> all = new java.util.ArrayList<>(inputs);
        all.addAll(platform.inputs());
        return List.copyOf(all);
    }

    public Optional<InputDeclaration> input(OsFamily os, String inputName) {
        return inputsFor(os).stream().filter(input -> input.name().equals(inputName)).findFirst();
    }
}
