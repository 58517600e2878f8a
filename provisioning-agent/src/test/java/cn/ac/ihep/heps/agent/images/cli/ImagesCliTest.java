package cn.ac.ihep.heps.agent.images.cli;

import static cn.ac.ihep.heps.agent.images.RecipeFixtures.copyOfRepositoryImages;
import static cn.ac.ihep.heps.agent.images.RecipeFixtures.replace;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.cli.HepsCommand;
import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.images.InMemoryCloud;
import cn.ac.ihep.heps.agent.images.PlayedGuest;
import cn.ac.ihep.heps.agent.images.base.BaseImageBuilder;
import cn.ac.ihep.heps.agent.images.build.BuildConventions;
import cn.ac.ihep.heps.agent.images.build.GuestScriptTest;
import cn.ac.ihep.heps.agent.images.recipe.BaseImageParser;
import cn.ac.ihep.heps.agent.images.recipe.BaseImageRecipe;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLoader;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.ImageUpload;
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
        Result base = heps("images", "base", "build", "--help");
        assertEquals(ExitCode.OK, base.exitCode());
        assertTrue(base.out().contains("--output") && base.out().contains("--cache") && base.out().contains("--rebuild"), base.out());
        Result upload = heps("images", "base", "upload", "--help");
        assertEquals(ExitCode.OK, upload.exitCode());
        assertTrue(upload.out().contains("--output") && upload.out().contains("--cache") && upload.out().contains("--public"),
                upload.out());
    }

    @Test
    void baseUploadTakesTheCachedImageOnceWithItsProperties() throws Exception {
        Path cache = temp.resolve("cache");
        BaseImageRecipe recipe = new BaseImageParser().load(images.resolve("base/debian-12-desktop.yaml"));
        Path qcow2 = new BaseImageBuilder(cache).imagePath(recipe);
        Files.createDirectories(cache);
        Files.write(qcow2, new byte[] {'Q', 'F', 'I', 0xfb - 256, 1, 2, 3});
        String name = BaseImageBuilder.imageName(recipe);
        cloud.images.values().removeIf(image -> name.equals(image.name())); // the beamlines' base, not yet uploaded

        Result first = heps("images", "base", "upload", "--cache", cache.toString(), "-o", "json");
        Result second = heps("images", "base", "upload", "debian-12-desktop", "--cache", cache.toString(), "-o", "json");

        assertEquals(ExitCode.OK, first.exitCode(), first.err());
        JsonNode row = JSON.readTree(first.out()).get(0);
        assertEquals(name, row.get("name").asText());
        assertTrue(row.get("result").asText().startsWith("uploaded in "), first.out());
        assertEquals(7, row.get("sizeBytes").asLong());
        assertEquals(1, cloud.uploads.size());
        ImageUpload upload = cloud.uploads.get(0).getKey();
        assertEquals(List.of(name, "qcow2", "bare", false), List.of(upload.name(), upload.diskFormat(), upload.containerFormat(),
                upload.shared()));
        assertEquals(Map.of("os_type", "linux", "os_distro", "debian", "hw_disk_bus", "virtio", "hw_vif_model", "virtio",
                "hw_qemu_guest_agent", "yes", "heps_base_recipe", "debian-12-desktop",
                "heps_base_key", BaseImageBuilder.keyOf(recipe)), upload.properties());
        assertArrayEquals(Files.readAllBytes(qcow2), cloud.uploads.get(0).getValue());
        assertEquals(ExitCode.OK, second.exitCode(), second.err());
        assertEquals("already in Glance", JSON.readTree(second.out()).get(0).get("result").asText());
        assertEquals(row.get("imageId").asText(), JSON.readTree(second.out()).get(0).get("imageId").asText());
        assertEquals(1, cloud.uploads.size(), "no second upload");
    }

    @Test
    void baseUploadKeepsTheOldestOfTwoActiveImagesOfOneName() throws Exception {
        Path cache = temp.resolve("cache");
        BaseImageRecipe recipe = new BaseImageParser().load(images.resolve("base/debian-12-desktop.yaml"));
        Files.createDirectories(cache);
        Files.write(new BaseImageBuilder(cache).imagePath(recipe), new byte[16]);
        String name = BaseImageBuilder.imageName(recipe);
        cloud.images.values().removeIf(image -> name.equals(image.name()));
        // Another operator's upload of the same name, created first but still saving when this one looks.
        String other = cloud.addImage(name, "saving", Map.of());
        cloud.afterUpload = () -> cloud.images.computeIfPresent(other,
                (id, image) -> new CloudImage(id, image.name(), "active", image.properties(), image.created()));

        Result result = heps("images", "base", "upload", "--cache", cache.toString(), "-o", "json");

        assertEquals(ExitCode.OK, result.exitCode(), result.err());
        JsonNode row = JSON.readTree(result.out()).get(0);
        assertEquals(other, row.get("imageId").asText());
        assertTrue(row.get("result").asText().contains("an older upload of the same name is kept"), result.out());
        assertEquals(List.of(other), cloud.images.values().stream().filter(i -> name.equals(i.name())).map(CloudImage::id).toList());
        assertTrue(result.err().contains("kept the oldest, " + other), result.err());
    }

    @Test
    void baseUploadOfAnUnknownNameIsBadInputWithASuggestion() {
        Result result = heps("images", "base", "upload", "debian-12-dekstop", "--cache", temp.resolve("cache").toString());

        assertEquals(ExitCode.BAD_INPUT, result.exitCode());
        assertTrue(result.err().contains("no base image 'debian-12-dekstop'") && result.err().contains("debian-12-desktop"),
                result.err());
        assertEquals(List.of(), cloud.uploads);
    }

    @Test
    void validateListsEveryBeamlineAsJson() throws Exception {
        Result result = heps("images", "validate", "--site", site.toString(), "-o", "json");

        assertEquals(ExitCode.OK, result.exitCode(), result.err());
        JsonNode json = JSON.readTree(result.out());
        assertTrue(json.get("valid").asBoolean());
        assertTrue(json.get("inputsChecked").asBoolean());
        assertEquals(14, json.get("beamlines").size());
        assertEquals(1, json.get("baseImages").size());
        assertTrue(json.get("baseImages").get(0).asText().startsWith("heps-base-debian-12-desktop-"), json.toString());
    }

    @Test
    void aBrokenBaseImageRecipeIsReportedWithTheOthers() {
        replace(images.resolve("base/debian-12-desktop.yaml"), "suite: bookworm", "suite: bookworm\nmirors: []");
        replace(images.resolve("beamlines/high-pressure.yaml"), "components:", "componets:");

        Result validate = heps("images", "validate");
        Result build = heps("images", "base", "build", "--cache", temp.resolve("cache").toString());

        assertEquals(ExitCode.BAD_INPUT, validate.exitCode());
        assertTrue(validate.err().contains("images/base/debian-12-desktop.yaml:10: field 'mirors' is not known; did you mean 'mirrors'?"),
                validate.err());
        assertTrue(validate.err().contains("images/beamlines/high-pressure.yaml:8: field 'componets' is not known"), validate.err());
        assertEquals(ExitCode.BAD_INPUT, build.exitCode(), "a broken recipe is refused before anything is built");
        assertTrue(build.err().contains("field 'mirors' is not known"), build.err());
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
        assertTrue(result.err().contains("component 'ad-join' needs input 'domain'"), result.err());
        assertTrue(!result.err().contains("needs input 'binary_url'"), "FIT2D is skipped, not an error: " + result.err());
    }

    @Test
    void validateAndPlanListSkippedComponentsWithTheirReasons() throws Exception {
        GuestScriptTest.exampleSiteFileWithout(temp, "fit2d");

        Result validate = heps("images", "validate", "--site", site.toString(), "-o", "json");
        Result validateTable = heps("images", "validate", "--site", site.toString());
        Result plan = heps("images", "plan", "high-pressure", "--site", site.toString(), "-o", "json");
        Result planTable = heps("images", "plan", "high-pressure", "--site", site.toString());

        assertEquals(ExitCode.OK, validate.exitCode(), validate.err());
        String reason = "input binary_url (URL of the 64-bit Linux FIT2D executable in the site's artifact store) is not set; "
                + "set inputs.fit2d.binary_url in the site file to install it";
        JsonNode highPressure = null;
        for (JsonNode beamline : JSON.readTree(validate.out()).get("beamlines")) {
            if (beamline.get("id").asText().equals("high-pressure")) {
                highPressure = beamline;
            }
        }
        assertEquals(1, highPressure.get("skipped").size(), highPressure.toString());
        assertEquals("fit2d", highPressure.get("skipped").get(0).get("component").asText());
        assertEquals(reason, highPressure.get("skipped").get(0).get("reason").asText());
        assertTrue(highPressure.get("components").toString().contains("dioptas@") && !highPressure.get("components").toString().contains("fit2d@"));
        assertTrue(validateTable.out().contains("high-pressure: fit2d: skipped, " + reason), validateTable.out());

        assertEquals(ExitCode.OK, plan.exitCode(), plan.err());
        JsonNode entry = JSON.readTree(plan.out()).get(0);
        assertEquals("fit2d", entry.get("skipped").get(0).get("component").asText());
        assertEquals("binary_url", entry.get("skipped").get(0).get("input").asText());
        assertTrue(planTable.out().contains("high-pressure: fit2d: skipped, " + reason), planTable.out());
    }

    @Test
    void aBuildSaysWhatItSkipsAndSettingTheInputLaterMakesTheImageStale() throws Exception {
        String complete = Files.readString(site);
        GuestScriptTest.exampleSiteFileWithout(temp, "fit2d");

        Result build = heps("images", "build", "high-pressure", "--site", site.toString(), "-o", "json");

        assertEquals(ExitCode.OK, build.exitCode(), build.err());
        JsonNode outcome = JSON.readTree(build.out()).get(0);
        assertEquals("built", outcome.get("status").asText());
        assertEquals("fit2d", outcome.get("skipped").get(0).get("component").asText());
        assertEquals(1, build.err().split("fit2d: skipped, ", -1).length - 1, "said once: " + build.err());
        CloudImage image = cloud.images.get(outcome.get("imageId").asText());
        assertEquals("fit2d", image.properties().get("heps_skipped_components"));
        assertTrue(!image.properties().get("heps_components").contains("fit2d"), image.properties().toString());
        assertTrue(heps("images", "plan", "high-pressure", "--site", site.toString()).out().contains("high-pressure  up-to-date"));

        Files.writeString(site, complete);
        Result plan = heps("images", "plan", "high-pressure", "--site", site.toString());
        assertTrue(plan.out().contains("rebuild") && plan.out().contains("component fit2d no longer skipped (18.002)"), plan.out());
        Result rebuild = heps("images", "build", "high-pressure", "--site", site.toString(), "-o", "json");
        JsonNode rebuilt = JSON.readTree(rebuild.out()).get(0);
        assertEquals("built", rebuilt.get("status").asText(), rebuild.out());
        assertEquals(0, rebuilt.get("skipped").size());
        assertTrue(!cloud.images.get(rebuilt.get("imageId").asText()).properties().containsKey("heps_skipped_components"));
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
        Result before = heps("images", "plan", "high-pressure", "tender-xray", "--site", site.toString(), "-o", "json");
        assertEquals(ExitCode.OK, before.exitCode(), before.err());
        assertEquals("BUILD", JSON.readTree(before.out()).get(0).get("action").asText());

        Result build = heps("images", "build", "high-pressure", "--site", site.toString(), "-o", "json");
        assertEquals(ExitCode.OK, build.exitCode(), build.err());
        JsonNode outcome = JSON.readTree(build.out()).get(0);
        assertEquals("built", outcome.get("status").asText());
        assertTrue(build.err().contains("validation boot of"), "progress is shown: " + build.err());

        Result upToDate = heps("images", "plan", "high-pressure", "--site", site.toString());
        assertTrue(upToDate.out().contains("high-pressure  up-to-date"), upToDate.out());

        replace(images.resolve("components/dioptas.yaml"), "version: \"0.11.0\"", "version: \"0.12.0\"");
        Result changed = heps("images", "plan", "high-pressure", "tender-xray", "--site", site.toString());
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

    /** Records the user data of every VM the build boots, answering as a passing guest. */
    private List<String> recordUserData() {
        List<String> userData = new ArrayList<>();
        cloud.guest = (server, data) -> {
            userData.add(data);
            cloud.setServerMetadata(server.id(), Map.of(BuildConventions.META_RESULT, PlayedGuest.resultLine(data, null, component -> true)));
        };
        return userData;
    }

    @Test
    void thePackageProxyComesFromTheOptionElseTheSiteFileAndReachesEveryGuest() throws Exception {
        List<String> userData = recordUserData();
        Result plain = heps("images", "build", "high-pressure", "--site", site.toString());
        assertEquals(ExitCode.OK, plain.exitCode(), plain.err());
        assertEquals(2, userData.size(), "a builder and a validation VM");
        assertTrue(userData.stream().noneMatch(data -> data.contains("90heps-proxy") || data.contains("http_proxy")));

        userData.clear();
        Result option = heps("images", "build", "high-pressure", "--force", "--site", site.toString(),
                "--package-proxy", "http://10.42.0.1:3142");
        assertEquals(ExitCode.OK, option.exitCode(), option.err());
        assertEquals(2, userData.size());
        assertTrue(userData.stream().allMatch(data -> data.contains("Acquire::http::Proxy \"http://10.42.0.1:3142\";")), userData.get(0));

        Files.writeString(site, Files.readString(site).replace("  keep: \"2\"", "  keep: \"2\"\n  package_proxy: http://apt-cacher.heps.example:3142"));
        userData.clear();
        Result fromSite = heps("images", "build", "high-pressure", "--force", "--site", site.toString());
        assertEquals(ExitCode.OK, fromSite.exitCode(), fromSite.err());
        assertTrue(userData.stream().allMatch(data -> data.contains("heps_package_proxy='http://apt-cacher.heps.example:3142'")));

        userData.clear();
        Result optionWins = heps("images", "build", "high-pressure", "--force", "--site", site.toString(),
                "--package-proxy", "https://10.42.0.1:3143");
        assertEquals(ExitCode.OK, optionWins.exitCode(), optionWins.err());
        assertTrue(userData.stream().allMatch(data -> data.contains("heps_package_proxy='https://10.42.0.1:3143'")
                && !data.contains("apt-cacher.heps.example")));
    }

    @Test
    void aPackageProxyWithCredentialsOrNotHttpIsBadInputNamingTheSetting() throws Exception {
        List<String> userData = recordUserData();
        Result credentials = heps("images", "build", "high-pressure", "--site", site.toString(),
                "--package-proxy", "http://builder:hunter2@10.42.0.1:3142");
        assertEquals(ExitCode.BAD_INPUT, credentials.exitCode());
        assertTrue(credentials.err().contains("--package-proxy: The package proxy") && credentials.err().contains("user name or password"),
                credentials.err());
        assertTrue(!credentials.err().contains("hunter2"), "the password is not repeated: " + credentials.err());

        Result scheme = heps("images", "build", "high-pressure", "--site", site.toString(), "--package-proxy", "ftp://10.42.0.1");
        assertEquals(ExitCode.BAD_INPUT, scheme.exitCode());
        assertTrue(scheme.err().contains("must be an http or https URL"), scheme.err());

        Result notAUrl = heps("images", "build", "high-pressure", "--site", site.toString(), "--package-proxy", "http://");
        assertEquals(ExitCode.BAD_INPUT, notAUrl.exitCode());
        assertTrue(notAUrl.err().contains("--package-proxy is not a URL"), notAUrl.err());

        Files.writeString(site, Files.readString(site).replace("  keep: \"2\"", "  keep: \"2\"\n  package_proxy: http:/no-host"));
        Result fromSite = heps("images", "build", "high-pressure", "--site", site.toString());
        assertEquals(ExitCode.BAD_INPUT, fromSite.exitCode());
        assertTrue(fromSite.err().contains("build.package_proxy: The package proxy 'http:/no-host' has no host"), fromSite.err());
        assertEquals(List.of(), userData, "no VM was booted");
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
