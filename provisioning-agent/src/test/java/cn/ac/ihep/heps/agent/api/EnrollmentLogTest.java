package cn.ac.ihep.heps.agent.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import cn.ac.ihep.heps.agent.desktop.EnrollmentService;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import cn.ac.ihep.heps.common.desktop.VncPasswordDerivation;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A guest sends its server id to /v1/enrollment, and the id goes into the agent's log: over
 * real HTTP, an id with CR/LF must not write a forged line, and a huge one not a huge line.
 */
class EnrollmentLogTest {

    @Test
    void anEnrollmentServerIdCannotForgeOrFloodALogLine() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(EnrollmentService.class);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        logger.addAppender(captured);
        try (TestDatabase db = TestDatabase.create(EnrollmentLogTest.class)) {
            EnrollmentService enrollment = new EnrollmentService(db.database(), new DesktopRepository(), new AuditLog(),
                    new VncPasswordDerivation("a-site-secret-of-at-least-16-bytes"), Clock.systemUTC());
            try (ApiServer api = ApiServer.start(new InetSocketAddress("127.0.0.1", 0), new ApiServer.Services(null,
                    db.database(), new DesktopRepository(), enrollment, null, null, new AgentMetrics(),
                    new BearerTokens(List.of("t")), false), null, false)) {
                HttpClient http = HttpClient.newHttpClient();
                for (String serverId : List.of("abc\r\n2026-01-01T00:00:00.000Z INFO  [heps-api] forged - granted",
                        "x".repeat(200_000))) {
                    String body = new ObjectMapper().writeValueAsString(Map.of("serverId", serverId, "token", "t"));
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            api.baseUri(false).resolve("/v1/enrollment")).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(403, response.statusCode());
                }
            }
        } finally {
            logger.detachAppender(captured);
        }
        assertEquals(2, captured.list.size(), captured.list.toString());
        for (ILoggingEvent event : captured.list) {
            String line = event.getFormattedMessage();
            assertFalse(line.contains("\n") || line.contains("\r"), line);
            assertTrue(line.length() < 400, "a log line of " + line.length() + " characters");
        }
    }
}
