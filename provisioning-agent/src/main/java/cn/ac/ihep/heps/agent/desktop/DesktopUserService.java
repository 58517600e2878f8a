package cn.ac.ihep.heps.agent.desktop;

import cn.ac.ihep.heps.agent.experiment.ExperimentValidator;
import cn.ac.ihep.heps.agent.experiment.FieldError;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.agent.store.DesktopUserRepository;
import cn.ac.ihep.heps.agent.store.DesktopUserRepository.NamedUser;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * The named users of a desktop: people besides its owner who may open it (support staff of
 * the experiment, a colleague), added and removed by the user-service system or an operator.
 * Each change and its audit entry are one transaction; the reconcile loop then sets the VM's
 * {@code heps-user:} tags, and the VM resolver offers or refuses the desktop by them.
 */
public final class DesktopUserService {

    /**
     * Named users of one desktop at most: Nova allows 50 tags on a server, and a desktop also
     * carries {@code heps-desktop}, its owner and perhaps its group.
     */
    public static final int MAX_NAMED_USERS = 40;

    private final Database database;
    private final DesktopRepository desktops;
    private final DesktopUserRepository users;
    private final AuditLog audit;
    private final Clock clock;

    public DesktopUserService(Database database, DesktopRepository desktops, DesktopUserRepository users,
            AuditLog audit, Clock clock) {
        this.database = database;
        this.desktops = desktops;
        this.users = users;
        this.audit = audit;
        this.clock = clock;
    }

    /** The desktop's named users, by name. */
    public List<NamedUser> list(String reference) {
        return database.inTransaction(c -> users.list(c, find(c, reference).id()));
    }

    /** Adds a named user; adding one twice changes nothing. Returns the desktop as it is now. */
    public Desktop add(String reference, String username, String actor) {
        checkUsername(username);
        Instant now = clock.instant();
        return database.inTransaction(c -> {
            Desktop desktop = find(c, reference);
            if (desktop.state() == DesktopState.DELETED) {
                throw new DesktopRequestRefused(DesktopRequestRefused.Reason.CONFLICT, "The desktop "
                        + desktop.reference() + " was deleted; add the user once the agent has made it again");
            }
            if (username.equals(desktop.username())) {
                throw new DesktopRequestRefused(DesktopRequestRefused.Reason.INVALID, "The named user is invalid",
                        List.of(new FieldError("username", "'" + username + "' owns this desktop already")));
            }
            if (!desktop.users().contains(username) && users.count(c, desktop.id()) >= MAX_NAMED_USERS) {
                throw new DesktopRequestRefused(DesktopRequestRefused.Reason.INVALID, "The named user is invalid",
                        List.of(new FieldError("username", "the desktop has " + MAX_NAMED_USERS
                                + " named users already, the most it may have")));
            }
            if (users.add(c, desktop.id(), username, now, actor)) {
                audit.record(c, now, actor, "desktop.user.add", desktop.auditSubject(), username, "username=" + username);
            }
            return desktops.findById(c, desktop.id()).orElseThrow();
        });
    }

    /** Removes a named user; removing one who is not changes nothing. Returns the desktop as it is now. */
    public Desktop remove(String reference, String username, String actor) {
        checkUsername(username);
        Instant now = clock.instant();
        return database.inTransaction(c -> {
            Desktop desktop = find(c, reference);
            if (users.remove(c, desktop.id(), username)) {
                audit.record(c, now, actor, "desktop.user.remove", desktop.auditSubject(), username,
                        "username=" + username);
            }
            return desktops.findById(c, desktop.id()).orElseThrow();
        });
    }

    private Desktop find(java.sql.Connection c, String reference) throws java.sql.SQLException {
        return desktops.findByReference(c, reference).orElseThrow(() -> new DesktopRequestRefused(
                DesktopRequestRefused.Reason.NOT_FOUND, "No desktop '" + reference
                        + "': give <proposal>/<owner>, a server id or a server name"));
    }

    private static void checkUsername(String username) {
        if (!ExperimentValidator.isValidUsername(username)) {
            throw new DesktopRequestRefused(DesktopRequestRefused.Reason.INVALID, "The named user is invalid",
                    List.of(new FieldError("username", "must be a facility username of 1-48 letters, digits, '.', '_' "
                            + "or '-'")));
        }
    }
}
