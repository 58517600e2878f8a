package cn.ac.ihep.heps.agent.accounts;

import cn.ac.ihep.heps.agent.accounts.PasswordStore.Row;
import cn.ac.ihep.heps.agent.secrets.SecretBox;
import cn.ac.ihep.heps.agent.secrets.SecretBox.UnreadableSecretException;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.common.log.LogSafe;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.ResultCode;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sign-in passwords of the AD accounts the agent creates: computing-environment accounts
 * the platform owns, so that a Guacamole node can sign their owner in to an RDP desktop with no
 * prompt. Each is a long random password that only the agent knows: sealed in its database
 * ({@link SecretBox}), never logged, never in a listing; set in AD with an administrator's reset
 * over LDAPS; changed after each session ends and at least every {@code sso-password-max-age}.
 *
 * <p>A change has two steps, so that neither a crash nor a second agent leaves AD with a password
 * nobody knows: the next password is stored sealed as pending (committed), then set in AD, then
 * made current. Whoever finds a pending password (a rotation, a hand-out, another agent) sets that
 * same one again before anything else; setting a password twice is harmless. Accounts the agent
 * adopted rather than created are never touched: someone may know their password.
 */
public final class AccountPasswords {
    private static final Logger LOG = LoggerFactory.getLogger(AccountPasswords.class);
    static final String PURPOSE = "account-password";

    private final Database database;
    private final AuditLog audit;
    private final AccountSettings accounts;
    private final SignInSettings settings;
    private final SecretBox box;
    private final Clock clock;
    private final PasswordStore store = new PasswordStore();
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private volatile boolean ownershipChecked;

    public AccountPasswords(Database database, AuditLog audit, AccountSettings accounts, SignInSettings settings,
            SecretBox box, Clock clock) {
        this.database = database;
        this.audit = audit;
        this.accounts = accounts;
        this.settings = settings;
        this.box = box;
        this.clock = clock;
    }

    /** True when the agent owns sign-in passwords: single sign-on is on and AD accounts are kept. */
    public boolean enabled() {
        return settings.enabled() && accounts.ad().isPresent();
    }

    /** The domain a Guacamole node signs users in to. */
    public String domain() {
        return settings.domain();
    }

    /**
     * The password a new AD account is created with: kept (pending until {@link #accountCreated})
     * when the agent owns passwords, otherwise random and kept by nobody. A pending one left by an
     * earlier attempt is used again, so a retried create and the first one agree.
     */
    String forNewAccount(String username) {
        if (!enabled()) {
            return AdPasswords.random();
        }
        return database.inTransaction(c -> {
            Optional<Row> row = store.lock(c, username);
            if (row.isPresent() && row.get().pending() != null) {
                Optional<String> pending = open(username, row.get().pending());
                if (pending.isPresent()) {
                    return pending.get();
                }
            }
            String password = AdPasswords.random();
            byte[] sealed = box.seal(PURPOSE, username, password);
            if (row.isPresent()) {
                store.setPending(c, username, sealed, clock.instant());
            } else {
                store.insertPending(c, username, sealed, clock.instant());
            }
            return password;
        });
    }

    /** The account was created with the pending password: it is the current one now. */
    void accountCreated(String username) {
        if (!enabled()) {
            return;
        }
        Instant now = clock.instant();
        database.inTransaction(c -> {
            store.promote(c, username, now, now);
            return null;
        });
    }

    /**
     * The owner's current password, for a Guacamole node that signs the owner in to one of their
     * desktops (the caller checked the ownership); empty when the agent does not own this account's
     * password. Finishes a half-done change first. Throws {@link DirectoryException} when that
     * needs AD and AD does not answer.
     */
    public Optional<String> handOut(String username, String detail) {
        if (!enabled()) {
            return Optional.empty();
        }
        ReentrantLock lock = lockOf(username);
        lock.lock();
        try {
            Optional<Row> row = database.inTransaction(c -> store.find(c, username));
            if (row.isEmpty()) {
                return Optional.empty();
            }
            Optional<String> password = row.get().pending() == null && row.get().sealed() != null
                    ? open(username, row.get().sealed()) : Optional.empty();
            if (password.isEmpty()) {
                try (ActiveDirectory ad = connect()) {
                    password = Optional.of(change(ad, username, "finished before a hand-out"));
                } catch (LDAPException e) {
                    throw new DirectoryException("AD did not take " + username + "'s sign-in password: "
                            + DirectoryConnections.describe(e), e);
                }
            }
            Instant now = clock.instant();
            database.inTransaction(c -> {
                store.handedOut(c, username, now);
                audit.record(c, now, accounts.agentId(), "account-password-handed-out", "account:" + username, detail);
                return null;
            });
            return password;
        } finally {
            lock.unlock();
        }
    }

    /** In the activity report's transaction: a session on this desktop ended, so its owner's password is due. */
    public void sessionEnded(Connection connection, String serverId, Instant at) throws SQLException {
        if (enabled()) {
            store.sessionEnded(connection, serverId, at);
        }
    }

    /** What one round of changes did. */
    public record RotationReport(List<String> changed, List<String> failed) {
    }

    /**
     * Changes every password that is due (a session ended, older than the maximum age, a change
     * left half done) whose owner has no connection open and was not handed it in the last minute.
     * The first round after the agent starts also takes over the accounts it created before it
     * kept passwords. A failure is logged and retried in the next round.
     */
    public RotationReport rotateDue() {
        List<String> changed = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        if (!enabled()) {
            return new RotationReport(changed, failed);
        }
        Instant now = clock.instant();
        List<String> due = new ArrayList<>();
        if (!ownershipChecked) {
            for (String username : database.inTransaction(store::createdWithoutPassword)) {
                byte[] sealed = box.seal(PURPOSE, username, AdPasswords.random());
                if (database.inTransaction(c -> store.insertIfAbsent(c, username, sealed, now))) {
                    LOG.info("Taking over the sign-in password of {}, whose AD account the agent created",
                            LogSafe.text(username));
                    due.add(username);
                }
            }
            ownershipChecked = true;
        }
        for (String username : database.inTransaction(c -> store.due(c, now.minus(settings.maxAge()),
                now.minus(SignInSettings.HAND_OUT_GRACE)))) {
            if (!due.contains(username)) {
                due.add(username);
            }
        }
        if (due.isEmpty()) {
            return new RotationReport(changed, failed);
        }
        try (ActiveDirectory ad = connect()) {
            for (String username : due) {
                ReentrantLock lock = lockOf(username);
                if (!lock.tryLock()) {
                    continue; // Being handed out or changed right now; the next round looks again.
                }
                try {
                    change(ad, username, "rotated");
                    changed.add(username);
                } catch (LDAPException e) {
                    if (!e.getResultCode().isConnectionUsable()) {
                        throw new DirectoryException("AD stopped answering while changing sign-in passwords: "
                                + DirectoryConnections.describe(e), e);
                    }
                    failed.add(username);
                    LOG.warn("Could not change the sign-in password of {}: {} (retried)", LogSafe.text(username),
                            LogSafe.message(DirectoryConnections.describe(e)));
                } finally {
                    lock.unlock();
                }
            }
        }
        return new RotationReport(changed, failed);
    }

    /** Changes one account's password now, whatever its state (the CLI and tests). */
    public void rotate(String username) {
        ReentrantLock lock = lockOf(username);
        lock.lock();
        try (ActiveDirectory ad = connect()) {
            change(ad, username, "rotated on request");
        } catch (LDAPException e) {
            throw new DirectoryException("AD did not take " + username + "'s new sign-in password: "
                    + DirectoryConnections.describe(e), e);
        } finally {
            lock.unlock();
        }
    }

    /** The two steps of a change (see the class comment); returns the password AD now has. Hold the user's lock. */
    private String change(ActiveDirectory ad, String username, String why) throws LDAPException {
        Instant started = clock.instant();
        record Next(String password, byte[] sealed) {
        }
        Next next = database.inTransaction(c -> {
            Optional<Row> row = store.lock(c, username);
            if (row.isEmpty()) {
                return null;
            }
            if (row.get().pending() != null) {
                Optional<String> pending = open(username, row.get().pending());
                if (pending.isPresent()) {
                    return new Next(pending.get(), row.get().pending());
                }
            }
            String password = AdPasswords.random();
            byte[] sealed = box.seal(PURPOSE, username, password);
            store.setPending(c, username, sealed, started);
            return new Next(password, sealed);
        });
        if (next == null) {
            throw new LDAPException(ResultCode.NO_SUCH_OBJECT, "the agent keeps no sign-in password for " + username);
        }
        ad.setPassword(username, next.password());
        Instant now = clock.instant();
        database.inTransaction(c -> {
            Optional<Row> row = store.lock(c, username);
            if (row.isPresent() && Arrays.equals(row.get().pending(), next.sealed())) {
                store.promote(c, username, started, now);
                audit.record(c, now, accounts.agentId(), "account-password-changed", "account:" + username, why);
            }
            return null;
        });
        LOG.info("Changed the sign-in password of {} ({})", LogSafe.text(username), why);
        return next.password();
    }

    private Optional<String> open(String username, byte[] sealed) {
        try {
            return Optional.of(box.open(PURPOSE, username, sealed));
        } catch (UnreadableSecretException e) {
            // The site key changed or the row was tampered with: the agent sets a new one.
            LOG.warn("The stored sign-in password of {} cannot be opened ({}); a new one is set",
                    LogSafe.text(username), e.getMessage());
            return Optional.empty();
        }
    }

    private ActiveDirectory connect() {
        return ActiveDirectory.connect(accounts.ad().orElseThrow(), accounts.upnSuffix());
    }

    private ReentrantLock lockOf(String username) {
        return locks.computeIfAbsent(username, u -> new ReentrantLock());
    }
}
