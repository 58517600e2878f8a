package cn.ac.ihep.heps.agent.images.build;

import static cn.ac.ihep.heps.agent.images.RecipeFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.images.recipe.BeamlineRecipe;
import cn.ac.ihep.heps.agent.images.recipe.InputResolver;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLibrary;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLoader;
import cn.ac.ihep.heps.agent.images.recipe.SiteConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest's second signal path, run for real: the rendered Linux script authenticates with its
 * application credential at a Keystone, learns its server id from the metadata service and PUTs
 * {@code heps.build-result} to Nova, all three served on loopback by this test.
 */
class GuestMetadataSignalTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private HttpServer server;
    private final Map<String, String> serverMetadata = new ConcurrentHashMap<>();
    private final Map<String, String> seen = new ConcurrentHashMap<>();

    @BeforeEach
    void startCloud() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v3/auth/tokens", exchange -> {
            JsonNode credential = JSON.readTree(exchange.getRequestBody()).at("/auth/identity/application_credential");
            boolean valid = "cred-id".equals(credential.path("id").asText()) && "s3cret".equals(credential.path("secret").asText());
            exchange.getResponseHeaders().add("X-Subject-Token", "token-123");
            respond(exchange, valid ? 201 : 401, "{}");
        });
        server.createContext("/openstack/latest/meta_data.json", exchange -> respond(exchange, 200, "{\"uuid\": \"server-1\"}"));
        server.createContext("/v2.1/servers/", exchange -> {
            boolean authorised = "token-123".equals(exchange.getRequestHeaders().getFirst("X-Auth-Token"));
            if (!authorised || !exchange.getRequestMethod().equals("PUT")
                    || !exchange.getRequestURI().getPath().equals("/v2.1/servers/server-1/metadata/heps.build-result")) {
                respond(exchange, 403, "{}");
                return;
            }
            JsonNode meta = JSON.readTree(exchange.getRequestBody()).path("meta");
            String value = meta.path("heps.build-result").asText();
            if (value.length() > 255) {
                respond(exchange, 400, "{\"badRequest\": {\"message\": \"value too long\"}}");
                return;
            }
            serverMetadata.put("heps.build-result", value);
            respond(exchange, 200, JSON.writeValueAsString(Map.of("meta", Map.of("heps.build-result", value))));
        });
        server.start();
    }

    @AfterEach
    void stopCloud() {
        server.stop(0);
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    /** Seven components with 19-character names: a full failure line is too long for metadata. */
    private RecipeLibrary sevenComponents(String check) {
        Path images = temp.resolve("images");
        StringBuilder beamline = new StringBuilder("id: crowded\nbase_image: {name: ubuntu, os: linux}\ncomponents:\n");
        for (int i = 1; i <= 7; i++) {
            String name = "sandbox-component-" + i;
            write(images.resolve("components/" + name + ".yaml"), """
                    name: %s
                    version: "1"
                    platforms:
                      linux:
                        steps:
                          - {name: s, run: "true"}
                        check: "%s"
                    """.formatted(name, check));
            beamline.append("  - ").append(name).append('\n');
        }
        write(images.resolve("beamlines/crowded.yaml"), beamline.toString());
        return new RecipeLoader(images).load();
    }

    private String runValidation(RecipeLibrary library) throws Exception {
        BeamlineRecipe crowded = library.beamline("crowded").orElseThrow();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        GuestPlan plan = GuestPlan.of("0123456789", BuildConventions.PHASE_VALIDATE, crowded, library,
                new InputResolver(SiteConfig.empty()).resolve(crowded, library),
                Optional.of(new SignalCredential(base + "/v3", base + "/v2.1", "cred-id", "s3cret")));
        Path script = temp.resolve("user-data");
        Files.writeString(script, UserDataRenderer.renderChecked(plan));
        Path console = temp.resolve("console");
        ProcessBuilder bash = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
                .redirectOutput(temp.resolve("output").toFile());
        bash.environment().putAll(Map.of("HEPS_STAGING", temp.resolve("staging").toString(),
                "HEPS_LOG", temp.resolve("heps-build.log").toString(), "HEPS_CONSOLES", console.toString(),
                "HEPS_METADATA_URL", base));
        Process process = bash.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertFalse(Files.readString(temp.resolve("output")).contains("s3cret"), "the credential is never printed");
        return Files.readString(console);
    }

    @Test
    void aPassingGuestSetsTheSameLineAsOnTheConsole() throws Exception {
        String console = runValidation(sevenComponents("true"));

        String metadata = serverMetadata.get("heps.build-result");
        assertEquals(console.strip(), metadata);
        assertTrue(BuildSignal.find(metadata, "0123456789", "validate").orElseThrow().passed());
    }

    @Test
    void aLongFailureIsCompactedToFitInAMetadataValue() throws Exception {
        String console = runValidation(sevenComponents("exit 1"));

        BuildSignal onConsole = BuildSignal.find(console, "0123456789", "validate").orElseThrow();
        assertTrue(console.strip().length() > 255, "the full line does not fit: " + console.strip().length());
        String metadata = serverMetadata.get("heps.build-result");
        assertTrue(metadata.length() <= 255, metadata);
        assertTrue(metadata.contains(" failed-checks=sandbox-component-1,"), metadata);
        BuildSignal viaMetadata = BuildSignal.find(metadata, "0123456789", "validate").orElseThrow();
        List<String> all = IntStream.rangeClosed(1, 7).mapToObj(i -> "sandbox-component-" + i).toList();
        assertEquals(all, onConsole.failedChecks());
        assertEquals(all, viaMetadata.failedChecks());
        assertFalse(viaMetadata.passed());
    }
}
