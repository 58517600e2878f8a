package cn.ac.ihep.heps.agent.images.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cn.ac.ihep.heps.agent.images.RecipeFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The JSON Schemas in images/schema/ are what {@link RecipeJsonSchema} generates. After changing
 * {@link RecipeSchema}, rewrite them with {@code -Dheps.images.write-schema=true}.
 */
class RecipeJsonSchemaTest {

    @Test
    void theCommittedSchemasMatchTheRecipeFormat() throws Exception {
        check("component.schema.json", RecipeJsonSchema.component());
        check("beamline.schema.json", RecipeJsonSchema.beamline());
    }

    private static void check(String name, String generated) throws Exception {
        Path file = RecipeFixtures.repositoryImages().resolve("schema").resolve(name);
        if (Boolean.getBoolean("heps.images.write-schema")) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, generated);
        }
        assertEquals(generated, Files.exists(file) ? Files.readString(file) : "(missing)",
                "images/schema/" + name + " is out of date: run this test with -Dheps.images.write-schema=true");
    }
}
