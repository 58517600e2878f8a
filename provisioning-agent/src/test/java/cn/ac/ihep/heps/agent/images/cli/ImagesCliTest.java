package cn.ac.ihep.heps.agent.images.cli;

import static cn.ac.ihep.heps.agent.images.RecipeFixtures.copyOfRepositoryImages;
import static cn.ac.ihep.heps.agent.images.RecipeFixtures.replace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.cli.HepsCommand;
import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.images.InMemoryCloud;
import cn.ac.ihep.heps.agent.images.PlayedGuest;
import cn.ac.ihep.heps.agent.images.build.BuildConventions;
import cn.ac.ihep.heps.agent.images.build.GuestScriptTest;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLoader;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code heps images} as an operator runs it: help, exit codes, tables and JSON, against an isolated cloud. */
class ImagesCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private final InMemoryCloud cloud = new InMemoryCloud();
    private Path images;
    private Path site;
    private Path config;

    private record Result(int exitCode, String out, String err) {
    }

    @BeforeEach
    void setUp() throws Exception {
        images = copyOfRepositoryImages(temp);
        site = GuestScriptTest.exampleSiteFile(temp);
        config = Files.writeString(temp.resolve("agent.properties"), "");
        new RecipeLoader(images).load().beamlines().values().stream().map(b -> b.baseImage().name()).distinct()
                .forEach(name -> cloud.addImage(name, "active", Map.of()));
        cloud.guest = (server, userData) -> cloud.setServerMetadata(server.id(),
                Map.of(BuildConventions.META_RESULT, PlayedGuest.resultLine(userData, null, component -> true)));
    }

    private Result heps(String... args) {
        List<String> all = new ArrayList<>(List.of("--config", config.toString()));
        all.addAll(List.of(args));
        if (all.size() > 3 && all.get(2).equals("images") && !List.of(args).contains("--help")) {
            all.addAll(List.of("--images", images.toString()));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream previousOut = System.out;
        PrintStream previousErr = System.err;
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(progress, true, StandardCharsets.UTF_8));
        try {
            CommandLine commandLine = HepsCommand.commandLine(new HepsCommand(configuration -> cloud, Clock.systemUTC()));
            StringWriter err = new StringWriter();
            commandLine.setErr(new PrintWriter(err, true));
            int code = commandLine.execute(all.toArray(String[]::new));
            return new Result(code, out.toString(StandardCharsets.UTF_8), err + progress.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(previousOut);
            System.setErr(previousErr);
        }
    }

    @Test
    void everyVerbHasHelp() {
        for (String verb : List.of("validate", "plan", "build", "list", "promote", "prune")) {
            Result result = heps("images", verb, "--help");
            assertEquals(ExitCode.OK, result.exitCode(), verb);
            assertTrue(result.out().contains("--output"), verb + ": " + result.out());
        }
        assertTrue(heps("--help").out().contains("images"));
    }

    @Test
    void validateListsEveryBeamlineAsJson() throws Exception {
        Result result = heps("images", "validate", "--site", site.toString(), "-o", "json");

        assertEquals(ExitCode.OK, result.exitCode(), result.err());
        JsonNode json = JSON.readTree(result.out());
        assertTrue(json.get("valid").asBoolean());
        assertTrue(json.get("inputsChecked").asBoolean());
        assertEquals(14, json.get("beamlines").size());
    }

    @Test
    void aBrokenRecipeExitsWithTwoAndNamesFileLineAndField() {
        replace(images.resolve("beamlines/high-pressure.yaml"), "components:", "componets:");

        Result result = heps("images", "validate");

        assertEquals(ExitCode.BAD_INPUT, result.exitCode());
        assertTrue(result.err().contains(
                "images/beamlines/high-pressure.yaml:8: field 'componets' is not known; did you mean 'components'?"), result.err());
    }

    @Test
    void brokenRecipesAreListedAsJsonForEditorsAndCi() throws Exception {
        replace(images.resolve("beamlines/high-pressure.yaml"), "  - dioptas", "  - dioptaz");

        Result result = heps("images", "validate", "-o", "json");

        assertEquals(ExitCode.BAD_INPUT, result.exitCode());
        JsonNode json = JSON.readTree(result.out());
        assertEquals(false, json.get("valid").asBoolean());
        JsonNode problem = json.get("problems").get(0);
        assertEquals("images/beamlines/high-pressure.yaml", problem.get("file").asText());
        assertEquals(15, problem.get("line").asInt());
        assertEquals("components[6]", problem.get("field").asText());
        assertTrue(problem.get("message").asText().endsWith("did you mean 'dioptas'?"));
    }

    @Test
    void aMissingSiteInputIsBadInput() throws Exception {
        Path emptySite = Files.writeString(temp.resolve("empty-site.yaml"), "inputs: {}\n");

        Result result = heps("images", "validate", "--site", emptySite.toString());

        assertEquals(ExitCode.BAD_INPUT, result.exitCode());
        assertTrue(result.err().contains("component 'fit2d' needs input 'binary_url'"), result.err());
    }

    @Test
    void aMisspelledSiteInputIsNamed() throws Exception {
        Files.writeString(site, Files.readString(site).replace("    domain: heps.ihep.example", "    domain: heps.ihep.example\n    domian: x"));

        Result result = heps("images", "validate", "--site", site.toString());

        assertEquals(ExitCode.BAD_INPUT, result.exitCode());
        assertTrue(result.err().contains("inputs.ad-join.domian: component 'ad-join' has no such input; did you mean 'domain'?"), result.err());
    }

    @Test
    void planBuildPlanAgainAfterAComponentChange() throws Exception {
        Result before = heps("images", "plan", "high-pressure", "tender-xray", "-o", "json");
        assertEquals(ExitCode.OK, before.exitCode(), before.err());
        assertEquals("BUILD", JSON.readTree(before.out()).get(0).get("action").asText());

        Result build = heps("images", "build", "high-pressure", "--site", site.toString(), "-o", "json");
        assertEquals(ExitCode.OK, build.exitCode(), build.err());
        JsonNode outcome = JSON.readTree(build.out()).get(0);
        assertEquals("built", outcome.get("status").asText());
        assertTrue(build.err().contains("validation boot of"), "progress is shown: " + build.err());

        Result upToDate = heps("images", "plan", "high-pressure");
        assertTrue(upToDate.out().contains("high-pressure  up-to-date"), upToDate.out());

        replace(images.resolve("components/dioptas.yaml"), "version: \"0.11.0\"", "version: \"0.12.0\"");
        Result changed = heps("images", "plan", "high-pressure", "tender-xray");
        assertTrue(changed.out().contains("rebuild") && changed.out().contains("component dioptas 0.11.0 -> 0.12.0"), changed.out());

        // tender-xray does not use dioptas but has no image yet; high-pressure is rebuilt; nothing else.
        Result rebuild = heps("images", "build", "high-pressure", "--site", site.toString());
        assertEquals(ExitCode.OK, rebuild.exitCode(), rebuild.err());
        Result again = heps("images", "build", "high-pressure", "--site", site.toString());
        assertTrue(again.out().contains("up-to-date"), "an unchanged beamline is not rebuilt: " + again.out());

        Result list = heps("images", "list", "high-pressure", "-o", "json");
        JsonNode versions = JSON.readTree(list.out());
        assertEquals(2, versions.size());
        assertTrue(versions.get(0).get("current").asBoolean());
        assertTrue(versions.get(0).get("components").toString().contains("dioptas@0.12.0"));

        String older = versions.get(1).get("imageId").asText();
        Result promote = heps("images", "promote", "high-pressure", older);
        assertEquals(ExitCode.OK, promote.exitCode(), promote.err());
        assertTrue(promote.out().contains("is now the current image of high-pressure"));

        Result prune = heps("images", "prune", "high-pressure", "--keep", "1", "-o", "json");
        assertEquals(ExitCode.OK, prune.exitCode(), prune.err());
        // keep 1 keeps the newest, and the promoted older one stays as the current image.
        assertEquals(2, cloud.images.values().stream().filter(i -> "high-pressure".equals(i.properties().get("heps_beamline"))).count());
    }

    @Test
    void aFailedBuildExitsWithOneAndLeavesNothing() {
        cloud.guest = (server, userData) -> cloud.setServerMetadata(server.id(), Map.of(BuildConventions.META_RESULT,
                PlayedGuest.resultLine(userData, "fit2d/install", component -> false)));

        Result result = heps("images", "build", "high-pressure", "--site", site.toString());

        assertEquals(ExitCode.FAILED, result.exitCode());
        assertTrue(result.out().contains("step fit2d/install failed"), result.out());
        assertTrue(cloud.servers.isEmpty());
        assertEquals(List.of(), cloud.images.values().stream().map(CloudImage::name).filter(n -> n.startsWith("heps-high")).toList());
    }

    @Test
    void unknownBeamlinesAndBadOptionsAreBadInput() {
        Result unknown = heps("images", "plan", "high-presure");
        assertEquals(ExitCode.BAD_INPUT, unknown.exitCode());
        assertTrue(unknown.err().contains("did you mean 'high-pressure'?"), unknown.err());

        Result noFlavor = heps("images", "build", "high-pressure");
        assertEquals(ExitCode.BAD_INPUT, noFlavor.exitCode());
        assertTrue(noFlavor.err().contains("No flavor for builder VMs"), noFlavor.err());

        assertEquals(ExitCode.BAD_INPUT, heps("images", "prune", "--keep", "0").exitCode());
    }
}
