package cn.ac.ihep.heps.agent.agent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.config.AgentConfiguration;
import cn.ac.ihep.heps.agent.experiment.DesktopSpec;
import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash loses nothing that was acknowledged: the agent runs as its own process on the
 * default embedded H2 database, clients add members through the API as fast as they can,
 * the process is killed (SIGKILL) mid-stream, and every member the API answered 200 for is
 * in the database afterwards.
 */
class AcknowledgedWritesSurviveKillTest {
    private static final String TOKEN = "kill-test-token";

    @Test
    void everyAcknowledgedMemberSurvivesSigkill(@TempDir Path home) throws Exception {
        Path config = home.resolve("agent.properties");
        Files.writeString(config, String.join("\n", "home=" + home, "api-listen=127.0.0.1:0",
                "api-tokens=" + TOKEN, "vnc-site-secret=a-site-secret-of-at-least-16-bytes", "beamlines=B1",
                "guacd-cidrs=10.42.0.1/32", "reconcile-interval=PT1H"));
        AgentConfiguration configuration = AgentConfiguration.load(config, Map.of());
        // The experiment exists before the agent starts; the test lets go of the database first.
        try (Database database = Database.open(configuration.databaseUrl(), configuration.databaseUser(), "")) {
            database.inTransaction(c -> new ExperimentRepository().upsert(c, new Experiment(0, "P-KILL", "B1", "P-KILL",
                    Instant.parse("2030-01-01T00:00:00Z"), Instant.parse("2030-01-02T00:00:00Z"),
                    new DesktopSpec("linux", 0, "heps.desktop.cpu", null), List.of(), null), Instant.now()));
        }

        Process agent = HepsJvm.heps("agent", "serve", "--config", config.toString())
                .redirectError(home.resolve("agent.err").toFile())
                .start();
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger failures = new AtomicInteger();
        try {
            URI base = waitForListeningAddress(agent);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger next = new AtomicInteger();
            ExecutorService clients = Executors.newFixedThreadPool(4);
            for (int i = 0; i < 4; i++) {
                clients.submit(() -> {
                    while (running.get()) {
                        String user = "user" + next.incrementAndGet();
                        try {
                            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                                            base.resolve("/v1/experiments/P-KILL/members"))
                                    .header("Authorization", "Bearer " + TOKEN)
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\": \"" + user + "\"}"))
                                    .build(), HttpResponse.BodyHandlers.ofString());
                            if (response.statusCode() == 200) {
                                acknowledged.add(user);
                            }
                        } catch (Exception e) {
                            failures.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
            while (acknowledged.size() < 100) {
                Thread.sleep(20);
            }
            agent.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, no close.
            agent.waitFor(10, TimeUnit.SECONDS);
            running.set(false);
            clients.shutdown();
            clients.awaitTermination(10, TimeUnit.SECONDS);
        } finally {
            agent.destroyForcibly();
        }

        try (Database database = Database.open(configuration.databaseUrl(), configuration.databaseUser(), "")) {
            List<String> stored = database.inTransaction(c -> new ExperimentRepository().find(c, "P-KILL"))
                    .orElseThrow().members();
            for (String user : acknowledged) {
                assertTrue(stored.contains(user), user + " was acknowledged but is not stored (" + acknowledged.size()
                        + " acknowledged, " + stored.size() + " stored)");
            }
            assertTrue(acknowledged.size() >= 100, "the clients were acknowledged before the kill");
        }
    }

    private static URI waitForListeningAddress(Process agent) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8));
        Pattern listening = Pattern.compile("listening on (http://\\S+)");
        String line;
        while ((line = out.readLine()) != null) {
            Matcher matcher = listening.matcher(line);
            if (matcher.find()) {
                return URI.create(matcher.group(1));
            }
        }
        throw new IllegalStateException("The agent exited before listening (exit " + agent.waitFor() + ")");
    }
}
