package cn.ac.ihep.heps.agent.desktop;

import cn.ac.ihep.heps.agent.accounts.AccountPasswords;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import cn.ac.ihep.heps.common.log.LogSafe;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RDP single sign-on ({@code POST /v1/desktop-sign-in}): a Guacamole node opening a desktop for
 * the user who owns it asks for that user's AD sign-in. Given only when the agent's record says
 * this user owns this desktop (never for a desktop shared with them, through a group or a link)
 * and the agent owns the user's AD password ({@link AccountPasswords}).
 */
public final class DesktopSignIn {
    private static final Logger LOG = LoggerFactory.getLogger(DesktopSignIn.class);
    /** A member's name, as experiments accept it. */
    private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,47}");
    private static final int MAX_SERVER_ID = 64;

    private final Database database;
    private final DesktopRepository desktops;
    private final AccountPasswords passwords;

    public DesktopSignIn(Database database, DesktopRepository desktops, AccountPasswords passwords) {
        this.database = database;
        this.desktops = desktops;
        this.passwords = passwords;
    }

    /** What the node sets as the RDP connection's username, domain and password. */
    public record SignIn(String username, String domain, String password) {
        @Override
        public String toString() {
            return "SignIn[username=" + username + ", domain=" + domain + ", password=(hidden)]";
        }
    }

    /** Why there is no sign-in; the caller falls back to Guacamole's prompt. */
    public enum Refusal {
        /** The user does not own this desktop (or there is no such desktop). */
        NOT_OWNER,
        /** The agent does not own this user's AD password, or single sign-on is off. */
        NO_PASSWORD
    }

    public static final class RefusedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final Refusal refusal;

        RefusedException(Refusal refusal, String message) {
            super(message);
            this.refusal = refusal;
        }

        public Refusal refusal() {
            return refusal;
        }
    }

    /** Whether the strings are a server id and a username at all (checked before anything is looked up). */
    public static boolean wellFormed(String serverId, String username) {
        return serverId != null && !serverId.isBlank() && serverId.length() <= MAX_SERVER_ID
                && username != null && USERNAME.matcher(username).matches();
    }

    /**
     * The owner's sign-in for the desktop with this server id.
     *
     * @param caller who asks (the node's address), for the audit log
     * @throws RefusedException when there is none to give
     */
    public SignIn signIn(String serverId, String username, String caller) {
        Optional<Desktop> desktop = database.inTransaction(c -> desktops.findByServerId(c, serverId));
        if (desktop.isEmpty() || desktop.get().state() == DesktopState.DELETED
                || !desktop.get().username().equals(username)) {
            LOG.warn("Refused the sign-in of {} for desktop {} to {}: not the desktop's owner",
                    LogSafe.text(username), LogSafe.text(serverId), LogSafe.text(caller));
            throw new RefusedException(Refusal.NOT_OWNER, "No sign-in for this user on this desktop");
        }
        Optional<String> password = passwords.handOut(username, "server=" + serverId + " to=" + caller);
        if (password.isEmpty()) {
            LOG.info("No sign-in for {} on desktop {}: the agent does not own the account's password", LogSafe.text(username),
                    LogSafe.text(serverId));
            throw new RefusedException(Refusal.NO_PASSWORD,
                    "The agent keeps no sign-in password for this user (single sign-on is off, or the AD account "
                            + "is not one the agent created)");
        }
        LOG.info("Handed the sign-in of {} for desktop {} to {}", LogSafe.text(username), LogSafe.text(serverId),
                LogSafe.text(caller));
        return new SignIn(username, passwords.domain(), password.get());
    }
}
