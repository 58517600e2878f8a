package cn.ac.ihep.heps.agent.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.accounts.AccountNumbers.AccountRow;
import cn.ac.ihep.heps.agent.accounts.AccountNumbers.GroupRow;
import cn.ac.ihep.heps.agent.accounts.AccountNumbers.Kind;
import cn.ac.ihep.heps.agent.accounts.AccountNumbers.Origin;
import cn.ac.ihep.heps.agent.config.NumberRange;
import cn.ac.ihep.heps.agent.store.ConflictException;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.TestDatabase;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The V2 migration and the number tables on both databases the agent runs on (embedded H2 and
 * PostgreSQL): the UNIQUE constraints refuse a number handed out twice, the next free number
 * stays inside its range.
 */
class AccountNumbersTest {
    private final AccountNumbers numbers = new AccountNumbers();
    private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    @Test
    void onH2() {
        try (Database h2 = Database.open("jdbc:h2:mem:accounts-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "")) {
            exercise(h2);
        }
    }

    @Test
    void onPostgreSql() {
        try (TestDatabase db = TestDatabase.create(AccountNumbersTest.class)) {
            exercise(db.database());
        }
    }

    private void exercise(Database database) {
        NumberRange uids = new NumberRange(20000, 20002);
        assertEquals(Optional.of(20000), database.inTransaction(c -> numbers.nextFree(c, Kind.account, uids, 20000)));
        database.inTransaction(c -> {
            numbers.insertAccount(c, new AccountRow("alice", 20000, 100, Origin.ALLOCATED, now));
            numbers.insertAccount(c, new AccountRow("bob", 31234, 100, Origin.ADOPTED, now));
            return null;
        });
        assertEquals(Optional.of(20001), database.inTransaction(c -> numbers.nextFree(c, Kind.account, uids, 20000)));
        assertEquals(Optional.of(20002), database.inTransaction(c -> numbers.nextFree(c, Kind.account, uids, 20002)));

        // Another agent hands out alice's number, or numbers alice again: refused, nothing kept.
        assertThrows(ConflictException.class, () -> database.inTransaction(c -> {
            numbers.insertAccount(c, new AccountRow("carol", 20000, 100, Origin.ALLOCATED, now));
            return null;
        }));
        assertThrows(ConflictException.class, () -> database.inTransaction(c -> {
            numbers.insertAccount(c, new AccountRow("alice", 20001, 100, Origin.ALLOCATED, now));
            return null;
        }));
        assertEquals(2, database.inTransaction(numbers::accounts).size());
        assertEquals(Origin.ADOPTED, database.inTransaction(c -> numbers.account(c, "bob")).orElseThrow().origin());

        database.inTransaction(c -> {
            numbers.insertAccount(c, new AccountRow("carol", 20001, 100, Origin.ALLOCATED, now));
            numbers.insertAccount(c, new AccountRow("dave", 20002, 100, Origin.ALLOCATED, now));
            return null;
        });
        assertEquals(Optional.empty(), database.inTransaction(c -> numbers.nextFree(c, Kind.account, uids, 20000)),
                "the range is used up");

        // Groups: their own numbers, also unique.
        database.inTransaction(c -> {
            numbers.insertGroup(c, new GroupRow("p-1", 60000, Origin.ALLOCATED, now));
            return null;
        });
        assertThrows(ConflictException.class, () -> database.inTransaction(c -> {
            numbers.insertGroup(c, new GroupRow("p-2", 60000, Origin.ALLOCATED, now));
            return null;
        }));

        // Conflicts: recorded once per detail, cleared once.
        assertTrue(database.<Boolean>inTransaction(c -> numbers.recordConflict(c, Kind.account, "erin", "LDAP 1, AD 2", now)));
        assertFalse(database.<Boolean>inTransaction(c -> numbers.recordConflict(c, Kind.account, "erin", "LDAP 1, AD 2", now)));
        assertTrue(database.<Boolean>inTransaction(c -> numbers.recordConflict(c, Kind.account, "erin", "LDAP 1, AD 3", now)));
        assertEquals("LDAP 1, AD 3", database.inTransaction(numbers::conflicts).get(0).detail());
        assertTrue(database.<Boolean>inTransaction(c -> numbers.clearConflict(c, Kind.account, "erin")));
        assertFalse(database.<Boolean>inTransaction(c -> numbers.clearConflict(c, Kind.account, "erin")));
    }
}
