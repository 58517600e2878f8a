package cn.ac.ihep.heps.agent.images.recipe;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code images/base/<name>.yaml}: a Linux base image made from a distribution's packages
 * alone (mmdebstrap), which the beamline recipes then name as their {@code base_image}.
 *
 * @param name the image's name, and its Glance name once uploaded
 * @param mirrors one line per archive: its URL followed by the suites taken from it
 * @param setup shell run inside the finished root file system
 */
public record BaseImageRecipe(String name, String description, OsFamily os, String suite, List<String> mirrors,
                              int diskSizeGib, String kernelArguments, List<String> packages, String setup, Path path) {

    public BaseImageRecipe {
        mirrors = List.copyOf(mirrors);
        packages = List.copyOf(packages);
    }

    /** The APT sources, one {@code deb URL SUITE main} per suite of every mirror. */
    public List<String> sources() {
        List<String> sources = new ArrayList<>();
        for (String mirror : mirrors) {
            String[] words = mirror.trim().split("\\s+");
            for (int i = 1; i < words.length; i++) {
                sources.add("deb " + words[0] + " " + words[i] + " main");
            }
        }
        return sources;
    }
}
