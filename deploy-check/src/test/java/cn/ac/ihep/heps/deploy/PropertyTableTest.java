package cn.ac.ihep.heps.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.deploy.PropertyTable.DocumentedProperty;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README table reader, on the shapes module READMEs use. */
class PropertyTableTest {

    private static Map<String, DocumentedProperty> parse(String markdown) {
        return PropertyTable.parse("m", List.of(markdown.split("\n"))).byEnvironmentVariable();
    }

    @Test
    void readsNameAndVariableColumnsAndTheRequiredMarks() {
        Map<String, DocumentedProperty> table = parse("""
                | Property | Environment variable | Default | Meaning |
                |---|---|---|---|
                | `heps-jwt-issuer` | `HEPS_JWT_ISSUER` | *(required)* | iss |
                | `heps-jwt-audience` **required** | HEPS_JWT_AUDIENCE | | aud |
                | `heps-redis-uri` | `HEPS_REDIS_URI` | required when heps-replay-store is redis | Redis |
                | `heps-jwt-clock-skew` | `HEPS_JWT_CLOCK_SKEW` | `30` | seconds; a `heps-jwt-issuer` mention is not a name |
                """);
        assertEquals(4, table.size(), table.toString());
        assertTrue(table.get("HEPS_JWT_ISSUER").required());
        assertTrue(table.get("HEPS_JWT_AUDIENCE").required());
        assertFalse(table.get("HEPS_REDIS_URI").required(), "a conditional requirement is not unconditional");
        assertEquals("heps-jwt-clock-skew", table.get("HEPS_JWT_CLOCK_SKEW").name());
    }

    @Test
    void readsTheAgentsSettingsWhoseVariablesAddTheHepsPrefix() {
        Map<String, DocumentedProperty> table = parse("""
                | setting | environment | default | what it is |
                |---|---|---|---|
                | `database-url` | `HEPS_DATABASE_URL` |  | JDBC URL |
                | `home` | `HEPS_HOME` | `~/.heps` | directory |
                """);
        assertEquals(List.of("HEPS_DATABASE_URL", "HEPS_HOME"), List.copyOf(table.keySet()));
    }

    @Test
    void aRowWhoseVariableDoesNotMatchItsNameDocumentsNothing() {
        Map<String, DocumentedProperty> table = parse("""
                | Property | Environment variable |
                |---|---|
                | `heps-vm-network` | `HEPS_VM_NETWRK` |
                | `heps-vm-network` |  |
                """);
        assertTrue(table.isEmpty(), table.toString());
    }

    @Test
    void aRequiredColumnAcceptsYesAndTicks() {
        Map<String, DocumentedProperty> table = parse("""
                | Property | Variable | Required |
                | :-- | :-- | :-: |
                | `heps-vnc-secret` | `HEPS_VNC_SECRET` | ✓ |
                | `heps-vnc-port` | `HEPS_VNC_PORT` | no |
                """);
        assertTrue(table.get("HEPS_VNC_SECRET").required());
        assertFalse(table.get("HEPS_VNC_PORT").required());
    }

    @Test
    void tablesWithoutPropertiesAndTextOutsideTablesAreIgnored() {
        Map<String, DocumentedProperty> table = parse("""
                Set `heps-jwt-issuer` (`HEPS_JWT_ISSUER`) first.

                | route | what |
                |---|---|
                | `GET /healthz` | liveness |
                """);
        assertTrue(table.isEmpty(), table.toString());
    }
}
