package cn.ac.ihep.heps.agent.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.api.ApiServer;
import cn.ac.ihep.heps.agent.api.BearerTokens;
import cn.ac.ihep.heps.agent.metrics.AgentMetrics;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/accounts} and {@code /v1/accounts/{user}} over real HTTP: bearer token, JSON, 404, 405. */
class AccountsApiTest {
    private static final String TOKEN = "accounts-token-" + System.nanoTime();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private AccountsTestBed bed;
    private ApiServer api;
    private URI base;

    @BeforeEach
    void setUp() throws Exception {
        bed = new AccountsTestBed(AccountsApiTest.class);
        api = ApiServer.start(new InetSocketAddress("127.0.0.1", 0), new ApiServer.Services(null, bed.db.database(),
                null, null, bed.agent(), null, new AgentMetrics(), new BearerTokens(List.of(TOKEN)), false), null, false);
        base = api.baseUri(false);
    }

    @AfterEach
    void tearDown() throws Exception {
        api.close();
        bed.close();
    }

    private HttpResponse<String> send(String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void listsAndShowsAccountsToTokenHoldersOnly() throws Exception {
        String sam = bed.user("sam");
        String tia = bed.user("tia");
        bed.experiment("P-API-" + bed.suffix, "exp-api-" + bed.suffix, sam, tia);
        assertTrue(bed.agent().sync().succeeded());

        assertEquals(401, send("GET", "/v1/accounts", null).statusCode());
        assertEquals(401, send("GET", "/v1/accounts/" + sam, "wrong").statusCode());

        HttpResponse<String> list = send("GET", "/v1/accounts", TOKEN);
        assertEquals(200, list.statusCode(), list.body());
        assertEquals("application/json", list.headers().firstValue("Content-Type").orElse(""));
        JsonNode accounts = JSON.readTree(list.body());
        assertEquals(2, accounts.size());
        assertEquals(sam, accounts.get(0).get("username").asText());

        HttpResponse<String> one = send("GET", "/v1/accounts/" + tia, TOKEN);
        assertEquals(200, one.statusCode(), one.body());
        JsonNode account = JSON.readTree(one.body());
        assertEquals("ok", account.get("state").asText());
        assertEquals(bed.ldapAccount(tia).getAttributeValueAsInteger("uidNumber"), account.get("uidNumber").asInt());
        assertEquals(bed.adAccount(tia).getAttributeValueAsInteger("uidNumber"), account.get("uidNumber").asInt());
        assertEquals("allocated", account.get("origin").asText());
        assertEquals("exp-api-" + bed.suffix, account.get("groups").get(0).asText());

        HttpResponse<String> missing = send("GET", "/v1/accounts/nobody", TOKEN);
        assertEquals(404, missing.statusCode());
        assertTrue(JSON.readTree(missing.body()).get("error").asText().contains("nobody"));
        assertEquals(405, send("DELETE", "/v1/accounts/" + sam, TOKEN).statusCode());

        JsonNode openapi = JSON.readTree(send("GET", "/openapi.json", null).body());
        assertTrue(openapi.get("paths").has("/v1/accounts") && openapi.get("paths").has("/v1/accounts/{username}"));
        JsonNode documented = openapi.get("components").get("schemas").get("Account").get("properties");
        account.fieldNames().forEachRemaining(field -> assertTrue(documented.has(field), "undocumented field " + field));
    }
}
