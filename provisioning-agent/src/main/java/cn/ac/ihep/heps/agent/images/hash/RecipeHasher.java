package cn.ac.ihep.heps.agent.images.hash;

import cn.ac.ihep.heps.agent.images.recipe.BeamlineRecipe;
import cn.ac.ihep.heps.agent.images.recipe.Component;
import cn.ac.ihep.heps.agent.images.recipe.ComponentUse;
import cn.ac.ihep.heps.agent.images.recipe.InputDeclaration;
import cn.ac.ihep.heps.agent.images.recipe.OsFamily;
import cn.ac.ihep.heps.agent.images.recipe.PlatformRecipe;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLibrary;
import cn.ac.ihep.heps.agent.images.recipe.Step;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Content hashes of beamline recipes. The hash covers what goes into the image, in a canonical
 * JSON form (sorted keys, parsed values), so comments, layout, titles and descriptions never
 * trigger a rebuild, and a component's steps for the other OS never do either. Which components
 * the site's inputs leave out is part of it: setting a skipped component's input makes the image stale.
 */
public final class RecipeHasher {

    /** Part of every hash: changing how hashes are computed rebuilds everything once, on purpose. */
    public static final String FORMAT = "heps-recipe-hash/1";
    static final int SHORT_HASH_LENGTH = 16;

    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /**
     * @param skipped names of the beamline's components left out of this build (see
     *     {@code InputResolver.skipped}); empty when every component is installed
     */
    public RecipeFingerprint fingerprint(BeamlineRecipe beamline, RecipeLibrary library, Collection<String> skipped) {
        OsFamily os = beamline.os();
        List<String> used = beamline.components().stream().map(ComponentUse::name).toList();
        if (!used.containsAll(skipped)) {
            throw new IllegalArgumentException("Skipped components " + skipped + " are not all in beamline " + beamline.id());
        }
        List<String> versions = new ArrayList<>();
        Map<String, String> componentHashes = new LinkedHashMap<>();
        List<Map<String, Object>> uses = new ArrayList<>();
        List<String> skippedInOrder = new ArrayList<>();
        for (ComponentUse use : beamline.components()) {
            Component component = library.component(use.name());
            String hash = sha256(canonical(component(component, os)));
            if (skipped.contains(component.name())) {
                skippedInOrder.add(component.name());
            } else {
                versions.add(component.name() + "@" + component.versionFor(os));
                componentHashes.put(component.name(), hash.substring(0, SHORT_HASH_LENGTH));
            }
            Map<String, Object> entry = new TreeMap<>();
            entry.put("name", use.name());
            entry.put("inputs", new TreeMap<>(use.inputs()));
            entry.put("hash", hash);
            uses.add(entry);
        }
        Map<String, Object> recipe = new TreeMap<>();
        recipe.put("format", FORMAT);
        recipe.put("id", beamline.id());
        recipe.put("base_image", Map.of("name", beamline.baseImage().name(), "os", os.wireName()));
        recipe.put("gpu", beamline.gpu());
        recipe.put("components", uses);
        recipe.put("image_properties", new TreeMap<>(beamline.imageProperties()));
        // Only when something is skipped: the hashes of images that skip nothing stay as they were.
        if (!skippedInOrder.isEmpty()) {
            recipe.put("skipped", skippedInOrder);
        }
        return RecipeFingerprint.of(beamline.id(), sha256(canonical(recipe)), versions, componentHashes, skippedInOrder);
    }

    private static Map<String, Object> component(Component component, OsFamily os) {
        PlatformRecipe platform = component.platform(os).orElseThrow(() -> new IllegalArgumentException(
                "Component " + component.name() + " has no steps for " + os.wireName()));
        List<Map<String, Object>> inputs = new ArrayList<>();
        for (InputDeclaration input : component.inputsFor(os)) {
            Map<String, Object> entry = new TreeMap<>();
            entry.put("name", input.name());
            entry.put("required", input.required());
            entry.put("secret", input.secret());
            entry.put("default", input.defaultValue());
            // Not site_provided: marking an input changes nothing in an image; a skip is hashed itself.
            inputs.add(entry);
        }
        List<Map<String, Object>> steps = new ArrayList<>();
        for (Step step : platform.steps()) {
            steps.add(Map.of("name", step.name(), "run", normalised(step.run())));
        }
        Map<String, Object> canonical = new TreeMap<>();
        canonical.put("name", component.name());
        canonical.put("version", component.versionFor(os));
        canonical.put("os", os.wireName());
        canonical.put("inputs", inputs);
        canonical.put("steps", steps);
        canonical.put("check", normalised(platform.check()));
        return canonical;
    }

    /** Line endings never count: a recipe edited on Windows hashes the same. */
    private static String normalised(String script) {
        return script.replace("\r\n", "\n");
    }

    static String canonical(Object value) {
        try {
            return CANONICAL.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write a recipe as JSON", e);
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
