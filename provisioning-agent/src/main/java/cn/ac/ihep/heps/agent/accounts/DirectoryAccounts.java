package cn.ac.ihep.heps.agent.accounts;

import cn.ac.ihep.heps.common.log.LogSafe;
import cn.ac.ihep.heps.agent.accounts.AccountNumbers.AccountRow;
import cn.ac.ihep.heps.agent.accounts.AccountNumbers.ConflictRow;
import cn.ac.ihep.heps.agent.accounts.AccountNumbers.GroupRow;
import cn.ac.ihep.heps.agent.accounts.AccountNumbers.Kind;
import cn.ac.ihep.heps.agent.accounts.AccountNumbers.Origin;
import cn.ac.ihep.heps.agent.config.NumberRange;
import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.ConflictException;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.ResultCode;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an LDAP account and an AD account, with the same uidNumber and gidNumber, for every
 * member of every experiment not past its retention, and an LDAP posixGroup and an AD group,
 * with one gidNumber, per experiment group with those members. Desired state comes from the
 * agent's database, observed state from the directories; each pass makes the difference,
 * one idempotent step at a time, and a second pass changes nothing.
 *
 * <p>Numbers are handed out once, in the database, before they reach a directory; an account
 * or group a directory already has is adopted with its numbers. When the database, LDAP and AD
 * disagree about a number the agent changes nothing about that account or group and reports
 * the conflict: renumbering would hand files on storage to someone else. Accounts are never
 * deleted; a member who leaves an experiment leaves its group.
 */
public final class DirectoryAccounts {
    private static final Logger LOG = LoggerFactory.getLogger(DirectoryAccounts.class);
    private static final int ATTEMPTS = 5;

    private final Database database;
    private final ExperimentRepository experiments;
    private final AuditLog audit;
    private final AccountSettings settings;
    private final Clock clock;
    /** Null: new AD accounts get a password nobody keeps (no single sign-on). */
    private final AccountPasswords passwords;
    private final AccountNumbers numbers = new AccountNumbers();
    /** What the last pass without conflicts or errors left in the directories, and when. */
    private Desired lastClean;
    private Instant lastCleanAt = Instant.MIN;

    public DirectoryAccounts(Database database, ExperimentRepository experiments, AuditLog audit,
            AccountSettings settings, Clock clock) {
        this(database, experiments, audit, settings, clock, null);
    }

    /** With the sign-in passwords of the AD accounts it creates kept by {@code passwords}. */
    public DirectoryAccounts(Database database, ExperimentRepository experiments, AuditLog audit,
            AccountSettings settings, Clock clock, AccountPasswords passwords) {
        this.database = database;
        this.experiments = experiments;
        this.audit = audit;
        this.settings = settings;
        this.clock = clock;
        this.passwords = passwords;
    }

    public boolean enabled() {
        return settings.enabled();
    }

    /** The configured directories, e.g. [LDAP, AD]. */
    public List<String> directories() {
        List<String> sides = new ArrayList<>();
        settings.ldap().ifPresent(s -> sides.add("LDAP " + s.url()));
        settings.ad().ifPresent(s -> sides.add("AD " + s.url()));
        return sides;
    }

    /** Who should have accounts and groups now: members and groups of the experiments not past retention. */
    private record Desired(SortedMap<String, SortedSet<String>> groupsByUser,
            SortedMap<String, SortedSet<String>> membersByGroup) {
    }

    private Desired desired(Connection connection, Instant now) throws SQLException {
        SortedMap<String, SortedSet<String>> groupsByUser = new TreeMap<>();
        SortedMap<String, SortedSet<String>> membersByGroup = new TreeMap<>();
        for (Experiment experiment : experiments.list(connection)) {
            if (!experiment.endsAt().plus(settings.retention()).isAfter(now)) {
                continue;
            }
            SortedSet<String> members = membersByGroup.computeIfAbsent(experiment.group(), g -> new TreeSet<>());
            for (String username : experiment.members()) {
                members.add(username);
                groupsByUser.computeIfAbsent(username, u -> new TreeSet<>()).add(experiment.group());
            }
        }
        return new Desired(groupsByUser, membersByGroup);
    }

    /**
     * One pass. Throws {@link DirectoryException} when a directory cannot be reached, refuses
     * the bind or stops answering; what was done until then is recorded and the rest is done
     * by the next pass.
     */
    public synchronized SyncReport sync() {
        if (!settings.enabled()) {
            return new SyncReport(false, List.of(), 0, 0, List.of(), List.of(), List.of(), Duration.ZERO);
        }
        Instant now = clock.instant();
        return sync(database.inTransaction(c -> desired(c, now)), now);
    }

    /**
     * A pass, unless the accounts and groups the directories should hold are what the last clean
     * pass (no conflict, no error) left less than {@code checkEvery} ago: then the directories
     * are not read at all. The reconcile loop runs this; {@code heps accounts sync} runs
     * {@link #sync()}.
     */
    public synchronized SyncReport syncIfChanged(Duration checkEvery) {
        if (!settings.enabled()) {
            return sync();
        }
        Instant now = clock.instant();
        Desired desired = database.inTransaction(c -> desired(c, now));
        if (desired.equals(lastClean) && now.isBefore(lastCleanAt.plus(checkEvery))) {
            return new SyncReport(true, directories(), desired.groupsByUser().size(), desired.membersByGroup().size(),
                    List.of(), List.of(), List.of(), Duration.ZERO);
        }
        return sync(desired, now);
    }

    private SyncReport sync(Desired desired, Instant now) {
        long started = System.nanoTime();
        List<AccountDirectory> directories = new ArrayList<>();
        try {
            settings.ldap().ifPresent(server -> directories.add(PosixDirectory.connect(server)));
            settings.ad().ifPresent(server -> directories.add(passwords == null
                    ? ActiveDirectory.connect(server, settings.upnSuffix())
                    : ActiveDirectory.connect(server, settings.upnSuffix(), passwords::forNewAccount)));
            Pass pass = new Pass(directories);
            for (String username : desired.groupsByUser().keySet()) {
                pass.account(username);
            }
            desired.membersByGroup().forEach(pass::group);
            SyncReport report = new SyncReport(true, directories(), desired.groupsByUser().size(),
                    desired.membersByGroup().size(), pass.changes, pass.conflicts, pass.errors,
                    Duration.ofNanos(System.nanoTime() - started));
            if (report.unchanged()) {
                LOG.debug("Directory accounts: {} accounts and {} groups already as they should be",
                        report.accounts(), report.groups());
            }
            if (report.succeeded()) {
                lastClean = desired;
                lastCleanAt = now;
            }
            return report;
        } finally {
            directories.forEach(AccountDirectory::close);
        }
    }

    /** The work of one pass over open directory connections. */
    private final class Pass {
        private final List<AccountDirectory> directories;
        private final List<String> changes = new ArrayList<>();
        private final List<String> conflicts = new ArrayList<>();
        private final List<String> errors = new ArrayList<>();
        /** Per directory: username → DN of the account there, for every account seen or made. */
        private final Map<AccountDirectory, Map<String, String>> accountDns = new HashMap<>();
        /** Members whose numbers are in conflict: their group memberships are left as they are. */
        private final Set<String> conflicted = new HashSet<>();
        /** The directory being talked to, for messages. */
        private AccountDirectory current;

        Pass(List<AccountDirectory> directories) {
            this.directories = directories;
            directories.forEach(d -> accountDns.put(d, new HashMap<>()));
        }

        void account(String username) {
            attempt("account:" + username, () -> accountAttempt(username));
        }

        /** One look and one round of changes, in a form {@link #attempt} can repeat. */
        private interface Attempt {
            boolean run() throws LDAPException;
        }

        /**
         * Runs {@code attempt} until it reports no concurrent change, at most {@link #ATTEMPTS}
         * times, and records a refusal or an error for {@code subject} instead of throwing.
         */
        private void attempt(String subject, Attempt attempt) {
            current = null;
            try {
                for (int round = 1; round <= ATTEMPTS; round++) {
                    try {
                        if (attempt.run()) {
                            return;
                        }
                    } catch (LDAPException e) {
                        if (!raced(e) || round == ATTEMPTS) {
                            throw e;
                        }
                    }
                }
                error(subject, "the database or the directories kept changing under the agent (" + ATTEMPTS
                        + " attempts); retried next pass");
            } catch (LDAPException e) {
                refused(e, subject);
            } catch (AccountException e) {
                error(subject, e.getMessage());
            }
        }

        /** One look and one round of changes; false when something changed meanwhile and it must look again. */
        private boolean accountAttempt(String username) throws LDAPException {
            String subject = "account:" + username;
            Map<AccountDirectory, Optional<ObservedEntry>> seen = new LinkedHashMap<>();
            for (AccountDirectory directory : directories) {
                current = directory;
                Optional<ObservedEntry> entry = directory.findAccount(username);
                seen.put(directory, entry);
                entry.ifPresent(e -> accountDns.get(directory).put(username, e.dn()));
            }
            current = null;
            Optional<AccountRow> row = database.inTransaction(c -> numbers.account(c, username));
            String disagreement = disagreement(
                    row.map(AccountRow::uidNumber).orElse(null), seen, ObservedEntry::uidNumber, "uidNumber")
                    + disagreement(row.map(AccountRow::gidNumber).orElse(null), seen, ObservedEntry::gidNumber,
                            "gidNumber");
            if (!disagreement.isEmpty()) {
                conflict(Kind.account, username, "numbers disagree:" + disagreement);
                return true;
            }
            if (row.isEmpty()) {
                Optional<AccountRow> assigned = assign(username, seen);
                if (assigned.isEmpty()) {
                    return false; // Another agent recorded it, or took the number: look again.
                }
                row = assigned;
            }
            resolved(Kind.account, username);
            NewAccount account = new NewAccount(username, row.get().uidNumber(), row.get().gidNumber(),
                    settings.homeOf(username), settings.shell());
            for (AccountDirectory directory : directories) {
                current = directory;
                Optional<ObservedEntry> entry = seen.get(directory);
                if (entry.isEmpty()) {
                    String dn = directory.createAccount(account);
                    if (passwords != null && directory instanceof ActiveDirectory) {
                        passwords.accountCreated(username);
                    }
                    accountDns.get(directory).put(username, dn);
                    change(directory.side() + "-account-created", subject, directory.side() + " account " + dn
                            + " uidNumber=" + account.uidNumber() + " gidNumber=" + account.gidNumber());
                } else if (entry.get().uidNumber() == null || entry.get().gidNumber() == null) {
                    List<String> added = directory.addNumbers(entry.get(), account);
                    change(directory.side() + "-account-numbered", subject, directory.side() + " account "
                            + entry.get().dn() + " got " + String.join(", ", added) + " (uidNumber="
                            + account.uidNumber() + " gidNumber=" + account.gidNumber() + ")");
                }
            }
            current = null;
            return true;
        }

        /** Records the account's numbers: adopted from a directory, or newly handed out. Empty: look again. */
        private Optional<AccountRow> assign(String username, Map<AccountDirectory, Optional<ObservedEntry>> seen)
                throws LDAPException {
            Integer uid = first(seen, ObservedEntry::uidNumber);
            Integer gid = first(seen, ObservedEntry::gidNumber);
            Origin origin = uid != null ? Origin.ADOPTED : Origin.ALLOCATED;
            if (uid == null) {
                uid = freeNumber(Kind.account, settings.uidRange());
            }
            AccountRow row = new AccountRow(username, uid, gid != null ? gid : settings.primaryGid(), origin,
                    clock.instant());
            try {
                database.inTransaction(c -> {
                    numbers.insertAccount(c, row);
                    audit.record(c, row.createdAt(), settings.agentId(), origin == Origin.ADOPTED
                            ? "account-adopted" : "account-number-allocated", "account:" + username,
                            "uidNumber=" + row.uidNumber() + " gidNumber=" + row.gidNumber());
                    return null;
                });
            } catch (ConflictException e) {
                Optional<AccountRow> winner = database.inTransaction(c -> numbers.account(c, username));
                if (winner.isEmpty() && origin == Origin.ADOPTED) {
                    throw new AccountException("uidNumber " + row.uidNumber() + " of the existing account is already "
                            + "the agent's number for another account: " + owner(row.uidNumber()));
                }
                return Optional.empty();
            }
            LOG.info("{} account {}: uidNumber {} gidNumber {}", origin == Origin.ADOPTED ? "Adopted" : "Numbered",
                    username, row.uidNumber(), row.gidNumber());
            changes.add("account " + username + ": " + (origin == Origin.ADOPTED ? "adopted" : "allocated")
                    + " uidNumber " + row.uidNumber() + ", gidNumber " + row.gidNumber());
            return Optional.of(row);
        }

        private String owner(int uidNumber) {
            return database.inTransaction(c -> numbers.accounts(c).stream().filter(r -> r.uidNumber() == uidNumber)
                    .map(AccountRow::username).findFirst().orElse("(none)"));
        }

        /** The next number of the range neither the database nor any directory uses. */
        private int freeNumber(Kind kind, NumberRange range) throws LDAPException {
            int from = range.first();
            while (true) {
                int start = from;
                Optional<Integer> candidate = database.inTransaction(c -> numbers.nextFree(c, kind, range, start));
                if (candidate.isEmpty()) {
                    throw new AccountException("the " + (kind == Kind.account ? "account-uid-range" : "account-gid-range")
                            + " " + range + " is used up: widen it");
                }
                boolean taken = false;
                for (AccountDirectory directory : directories) {
                    taken |= kind == Kind.account ? directory.uidNumberTaken(candidate.get())
                            : directory.gidNumberTaken(candidate.get());
                }
                if (!taken) {
                    return candidate.get();
                }
                from = candidate.get() + 1;
            }
        }

        void group(String name, SortedSet<String> members) {
            attempt("group:" + name, () -> groupAttempt(name, members));
        }

        private boolean groupAttempt(String name, SortedSet<String> members) throws LDAPException {
            String subject = "group:" + name;
            Map<AccountDirectory, Optional<ObservedEntry>> seen = new LinkedHashMap<>();
            for (AccountDirectory directory : directories) {
                current = directory;
                seen.put(directory, directory.findGroup(name));
            }
            current = null;
            Optional<GroupRow> row = database.inTransaction(c -> numbers.group(c, name));
            String disagreement = disagreement(row.map(GroupRow::gidNumber).orElse(null), seen,
                    ObservedEntry::gidNumber, "gidNumber");
            if (!disagreement.isEmpty()) {
                conflict(Kind.group, name, "numbers disagree:" + disagreement);
                return true;
            }
            if (row.isEmpty()) {
                Optional<GroupRow> assigned = assignGroup(name, seen);
                if (assigned.isEmpty()) {
                    return false;
                }
                row = assigned;
            }
            resolved(Kind.group, name);
            for (AccountDirectory directory : directories) {
                current = directory;
                Map<String, String> wanted = new TreeMap<>();
                Set<String> keep = new HashSet<>();
                for (String member : members) {
                    String dn = accountDns.get(directory).get(member);
                    if (conflicted.contains(member)) {
                        keep.add(member);
                        if (dn != null) {
                            keep.add(dn);
                        }
                    } else if (dn != null) {
                        wanted.put(member, dn);
                    }
                }
                Optional<ObservedEntry> entry = seen.get(directory);
                if (entry.isEmpty()) {
                    String dn = directory.createGroup(name, row.get().gidNumber(), wanted);
                    change(directory.side() + "-group-created", subject, directory.side() + " group " + dn
                            + " gidNumber=" + row.get().gidNumber() + " members=" + wanted.keySet());
                    continue;
                }
                if (entry.get().gidNumber() == null) {
                    directory.addGroupNumber(entry.get(), row.get().gidNumber());
                    change(directory.side() + "-group-numbered", subject, directory.side() + " group "
                            + entry.get().dn() + " got gidNumber=" + row.get().gidNumber());
                }
                List<String> done = directory.syncMembers(entry.get(), wanted, keep);
                if (!done.isEmpty()) {
                    change(directory.side() + "-group-members", subject, directory.side() + " group "
                            + entry.get().dn() + " members " + String.join(" ", done));
                }
            }
            current = null;
            return true;
        }

        private Optional<GroupRow> assignGroup(String name, Map<AccountDirectory, Optional<ObservedEntry>> seen)
                throws LDAPException {
            Integer gid = first(seen, ObservedEntry::gidNumber);
            Origin origin = gid != null ? Origin.ADOPTED : Origin.ALLOCATED;
            GroupRow row = new GroupRow(name, gid != null ? gid : freeNumber(Kind.group, settings.gidRange()), origin,
                    clock.instant());
            try {
                database.inTransaction(c -> {
                    numbers.insertGroup(c, row);
                    audit.record(c, row.createdAt(), settings.agentId(), origin == Origin.ADOPTED
                            ? "group-adopted" : "group-number-allocated", "group:" + name, "gidNumber=" + row.gidNumber());
                    return null;
                });
            } catch (ConflictException e) {
                Optional<GroupRow> winner = database.inTransaction(c -> numbers.group(c, name));
                if (winner.isEmpty() && origin == Origin.ADOPTED) {
                    throw new AccountException("gidNumber " + row.gidNumber() + " of the existing group is already the "
                            + "agent's number for another group");
                }
                return Optional.empty();
            }
            LOG.info("{} group {}: gidNumber {}", origin == Origin.ADOPTED ? "Adopted" : "Numbered", name,
                    row.gidNumber());
            changes.add("group " + name + ": " + (origin == Origin.ADOPTED ? "adopted" : "allocated") + " gidNumber "
                    + row.gidNumber());
            return Optional.of(row);
        }

        private Integer first(Map<AccountDirectory, Optional<ObservedEntry>> seen,
                Function<ObservedEntry, Integer> number) {
            for (Optional<ObservedEntry> entry : seen.values()) {
                if (entry.isPresent() && number.apply(entry.get()) != null) {
                    return number.apply(entry.get());
                }
            }
            return null;
        }

        /** " uidNumber: database 20001, LDAP 20005, AD (none)" when the known values differ, else "". */
        private String disagreement(Integer recorded, Map<AccountDirectory, Optional<ObservedEntry>> seen,
                Function<ObservedEntry, Integer> number, String attribute) {
            Set<Integer> values = new TreeSet<>();
            StringBuilder text = new StringBuilder(" " + attribute + ": database ")
                    .append(recorded == null ? "(none)" : recorded);
            if (recorded != null) {
                values.add(recorded);
            }
            for (Map.Entry<AccountDirectory, Optional<ObservedEntry>> entry : seen.entrySet()) {
                Integer value = entry.getValue().map(number).orElse(null);
                text.append(", ").append(entry.getKey().side()).append(' ')
                        .append(entry.getValue().isEmpty() ? "(no entry)" : value == null ? "(none)" : value);
                if (value != null) {
                    values.add(value);
                }
            }
            return values.size() > 1 ? text.toString() : "";
        }

        private void conflict(Kind kind, String name, String detail) {
            if (kind == Kind.account) {
                conflicted.add(name);
            }
            String message = kind + " " + name + ": " + detail + " (left unchanged: resolve it in the directories, "
                    + "see docs/operations.md)";
            conflicts.add(message);
            boolean isNew = database.inTransaction(c -> {
                boolean recorded = numbers.recordConflict(c, kind, name, detail, clock.instant());
                if (recorded) {
                    audit.record(c, clock.instant(), settings.agentId(), kind + "-conflict", kind + ":" + name, detail);
                }
                return recorded;
            });
            if (isNew) {
                LOG.warn("Directory {} conflict: {}", kind, LogSafe.message(message));
            }
        }

        private void resolved(Kind kind, String name) {
            boolean wasConflict = database.inTransaction(c -> {
                boolean cleared = numbers.clearConflict(c, kind, name);
                if (cleared) {
                    audit.record(c, clock.instant(), settings.agentId(), kind + "-conflict-resolved", kind + ":" + name,
                            "the numbers agree again");
                }
                return cleared;
            });
            if (wasConflict) {
                changes.add(kind + " " + name + ": conflict resolved");
            }
        }

        private void change(String action, String subject, String detail) {
            database.inTransaction(c -> {
                audit.record(c, clock.instant(), settings.agentId(), action, subject, detail);
                return null;
            });
            LOG.info("{}", detail);
            changes.add(detail);
        }

        private void error(String subject, String message) {
            String text = subject + ": " + message;
            errors.add(text);
            LOG.warn("Directory accounts: {}", LogSafe.message(text));
        }

        /**
         * Another agent (or an operator) made the same change a moment earlier: look again.
         * Entries and values that already exist, or values already gone.
         */
        private boolean raced(LDAPException e) {
            ResultCode code = e.getResultCode();
            return code == ResultCode.ENTRY_ALREADY_EXISTS || code == ResultCode.ATTRIBUTE_OR_VALUE_EXISTS
                    || code == ResultCode.NO_SUCH_ATTRIBUTE;
        }

        /** A refused operation is this subject's error; a lost or timed-out connection ends the pass. */
        private void refused(LDAPException e, String subject) {
            String side = current == null ? "the directory" : current.side();
            if (!e.getResultCode().isConnectionUsable()) {
                throw new DirectoryException(side + " stopped answering while working on " + subject + ": "
                        + DirectoryConnections.describe(e) + " (what was done is recorded; the rest is retried next pass)",
                        e);
            }
            error(subject, side + " refused: " + DirectoryConnections.describe(e));
        }
    }

    /** An account or group that cannot be handled this pass, for a reason the message gives. */
    private static final class AccountException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        AccountException(String message) {
            super(message);
        }
    }

    /** Every member's account as the database knows it (no directory is asked). */
    public List<AccountView> list() {
        return database.inTransaction(c -> {
            Desired desired = desired(c, clock.instant());
            Map<String, AccountRow> rows = new TreeMap<>();
            numbers.accounts(c).forEach(r -> rows.put(r.username(), r));
            Map<String, String> conflicts = new HashMap<>();
            for (ConflictRow conflict : numbers.conflicts(c)) {
                if (conflict.kind() == Kind.account) {
                    conflicts.put(conflict.name(), conflict.detail());
                }
            }
            SortedSet<String> usernames = new TreeSet<>(rows.keySet());
            usernames.addAll(desired.groupsByUser().keySet());
            usernames.addAll(conflicts.keySet());
            List<AccountView> views = new ArrayList<>();
            for (String username : usernames) {
                AccountRow row = rows.get(username);
                List<String> groups = List.copyOf(desired.groupsByUser().getOrDefault(username, new TreeSet<>()));
                String state = conflicts.containsKey(username) ? "conflict" : row == null ? "pending"
                        : groups.isEmpty() ? "kept" : "ok";
                views.add(new AccountView(username, state, row == null ? null : row.uidNumber(),
                        row == null ? null : row.gidNumber(), row == null ? null : row.origin().name().toLowerCase(),
                        groups, conflicts.get(username), row == null ? null : row.createdAt()));
            }
            return views;
        });
    }

    public Optional<AccountView> find(String username) {
        return list().stream().filter(v -> v.username().equals(username)).findFirst();
    }
}
