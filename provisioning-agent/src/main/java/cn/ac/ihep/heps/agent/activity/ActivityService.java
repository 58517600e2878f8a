package cn.ac.ihep.heps.agent.activity;

import cn.ac.ihep.heps.agent.api.BearerTokens;
import cn.ac.ihep.heps.agent.experiment.FieldError;
import cn.ac.ihep.heps.agent.store.ActivityRepository;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.common.activity.ActivityAnswer;
import cn.ac.ihep.heps.common.activity.ActivityReport;
import cn.ac.ihep.heps.common.activity.ActivityReport.OpenDesktop;
import cn.ac.ihep.heps.common.activity.ActivityReport.SessionEvent;
import cn.ac.ihep.heps.common.activity.ActivityReport.SessionJoin;
import cn.ac.ihep.heps.agent.desktop.Desktop;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.DesktopRepository;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Receives the Guacamole nodes' {@link ActivityReport}s ({@code POST /v1/desktop-activity}):
 * checks each field, keeps the node's latest picture of its open connections, moves each
 * desktop's last connect, disconnect and input times forward, and answers with the disconnect
 * limits of the desktops the node has open. Every join of someone else's session it reports
 * (support staff watching, a share link) is written to the audit log in the same transaction.
 * A report older than one already stored (a lower sequence from the same node instance)
 * changes nothing. Times later than the agent's clock are taken as now, so a node whose clock
 * runs ahead cannot keep a desktop looking used.
 */
public final class ActivityService {

    private static final Pattern NODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final Set<String> JOIN_KINDS = Set.of(SessionJoin.SUPPORT_VIEW, SessionJoin.SHARE_VIEW,
            SessionJoin.SHARE_FULL);
    private static final int MAX_ADDRESS = 64;
    private static final int MAX_ID = 64;

    /** A report with bad fields; each is named. */
    public static final class InvalidReportException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient List<FieldError> errors;

        InvalidReportException(List<FieldError> errors) {
            super("The activity report is invalid");
            this.errors = List.copyOf(errors);
        }

        public List<FieldError> errors() {
            return errors;
        }
    }

    private final Database database;
    private final ActivityRepository activity;
    private final DesktopRepository desktops = new DesktopRepository();
    private final AuditLog audit = new AuditLog();
    private final BearerTokens tokens;
    private final DisconnectLimits limits;
    private final SessionEnds sessionEnds;
    private final Clock clock;

    /**
     * @param tokens the {@code activity-tokens} (the route also accepts the API tokens)
     * @param limits the disconnect limits of the reported desktops
     */
    public ActivityService(Database database, ActivityRepository activity, BearerTokens tokens,
            DisconnectLimits limits, Clock clock) {
        this(database, activity, tokens, limits, SessionEnds.IGNORED, clock);
    }

    /** @param sessionEnds told of each session that ended (the sign-in password of its owner is changed) */
    public ActivityService(Database database, ActivityRepository activity, BearerTokens tokens,
            DisconnectLimits limits, SessionEnds sessionEnds, Clock clock) {
        this.database = database;
        this.activity = activity;
        this.tokens = tokens;
        this.limits = limits;
        this.sessionEnds = sessionEnds;
        this.clock = clock;
    }

    /** Whether the {@code Authorization} header carries one of the activity tokens. */
    public boolean accepts(String authorizationHeader) {
        return tokens.accepts(authorizationHeader);
    }

    public ActivityAnswer receive(ActivityReport report) {
        Instant now = clock.instant();
        Checked checked = check(report, now);
        database.inTransaction(c -> {
            Optional<ActivityRepository.Node> stored = activity.lockNode(c, report.node());
            if (stored.isPresent() && stored.get().instance().equals(report.instance())
                    && stored.get().sequence() >= report.sequence()) {
                return null; // Late: a newer report of this node is already stored.
            }
            Set<String> openBefore = new HashSet<>(activity.openOn(c, report.node()));
            activity.replace(c, new ActivityRepository.Node(report.node(), report.instance(), report.sequence(),
                    report.complete(), report.dropped(), now), stored.isPresent(), checked.desktops());
            for (ActivityRepository.OpenDesktop open : checked.desktops()) {
                activity.advance(c, open.serverId(), ActivityRepository.Column.INPUT, open.lastInputAt());
            }
            Set<String> ended = new HashSet<>(openBefore);
            checked.desktops().forEach(open -> ended.remove(open.serverId()));
            for (Event event : checked.events()) {
                activity.advance(c, event.serverId(), event.opened() ? ActivityRepository.Column.CONNECTED
                        : ActivityRepository.Column.DISCONNECTED, event.at());
                activity.advance(c, event.serverId(), ActivityRepository.Column.INPUT, event.lastInputAt());
                if (!event.opened()) {
                    ended.add(event.serverId());
                }
            }
            for (String serverId : ended) {
                sessionEnds.sessionEnded(c, serverId, now);
            }
            for (Join join : checked.joins()) {
                String subject = desktops.findByServerId(c, join.serverId()).map(Desktop::auditSubject)
                        .orElse("server/" + join.serverId());
                String actor = SessionJoin.SUPPORT_VIEW.equals(join.via()) ? join.user() : "share-link";
                String action = SessionJoin.SUPPORT_VIEW.equals(join.via()) ? "desktop.view.support"
                        : "desktop.join." + join.via();
                audit.record(c, join.at(), actor, action, subject, "server=" + join.serverId() + " node="
                        + report.node() + " session=" + join.sessionOf() + (join.from() == null ? "" : " from=" + join.from()));
            }
            return null;
        });
        List<String> open = checked.desktops().stream().map(ActivityRepository.OpenDesktop::serverId).toList();
        return new ActivityAnswer(limits.of(open));
    }

    private record Event(String serverId, boolean opened, Instant at, Instant lastInputAt) {
    }

    private record Join(String serverId, String via, String user, String sessionOf, Instant at, String from) {
    }

    private record Checked(List<ActivityRepository.OpenDesktop> desktops, List<Event> events, List<Join> joins) {
    }

    private static Checked check(ActivityReport report, Instant now) {
        List<FieldError> errors = new ArrayList<>();
        if (report.node() == null || !NODE.matcher(report.node()).matches()) {
            errors.add(new FieldError("node", "required: 1-128 letters, digits, '.', '_', ':' or '-'"));
        }
        if (report.instance() == null || report.instance().isBlank() || report.instance().length() > MAX_ID) {
            errors.add(new FieldError("instance", "required: at most " + MAX_ID + " characters"));
        }
        if (report.sequence() < 1) {
            errors.add(new FieldError("sequence", "must be 1 or more"));
        }
        if (report.dropped() < 0) {
            errors.add(new FieldError("dropped", "must not be negative"));
        }
        List<ActivityRepository.OpenDesktop> desktops = new ArrayList<>();
        List<OpenDesktop> given = report.desktops() == null ? List.of() : report.desktops();
        if (given.size() > ActivityReport.MAX_DESKTOPS) {
            errors.add(new FieldError("desktops", "at most " + ActivityReport.MAX_DESKTOPS
                    + " per report; send the rest as incomplete (complete: false)"));
        } else {
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < given.size(); i++) {
                OpenDesktop desktop = given.get(i);
                String path = "desktops[" + i + "]";
                if (desktop == null) {
                    errors.add(new FieldError(path, "must not be null"));
                    continue;
                }
                boolean idOk = serverId(desktop.serverId(), path, errors);
                if (idOk && !seen.add(desktop.serverId())) {
                    errors.add(new FieldError(path + ".serverId", "'" + desktop.serverId() + "' is listed twice"));
                }
                if (desktop.connections() < 1) {
                    errors.add(new FieldError(path + ".connections", "must be 1 or more"));
                }
                Instant input = instant(desktop.lastInputAt(), path + ".lastInputAt", false, now, errors);
                Instant disconnect = instant(desktop.disconnectAt(), path + ".disconnectAt", false, null, errors);
                desktops.add(new ActivityRepository.OpenDesktop(desktop.serverId(), desktop.connections(), input,
                        disconnect));
            }
        }
        List<Event> events = new ArrayList<>();
        List<SessionEvent> sent = report.events() == null ? List.of() : report.events();
        if (sent.size() > ActivityReport.MAX_EVENTS) {
            errors.add(new FieldError("events", "at most " + ActivityReport.MAX_EVENTS + " per report"));
        } else {
            for (int i = 0; i < sent.size(); i++) {
                SessionEvent event = sent.get(i);
                String path = "events[" + i + "]";
                if (event == null) {
                    errors.add(new FieldError(path, "must not be null"));
                    continue;
                }
                serverId(event.serverId(), path, errors);
                boolean opened = SessionEvent.OPENED.equals(event.type());
                if (!opened && !SessionEvent.CLOSED.equals(event.type())) {
                    errors.add(new FieldError(path + ".type", "must be opened or closed"));
                }
                Instant at = instant(event.at(), path + ".at", true, now, errors);
                Instant input = instant(event.lastInputAt(), path + ".lastInputAt", false, now, errors);
                events.add(new Event(event.serverId(), opened, at, input));
            }
        }
        List<Join> joins = joins(report.joins(), now, errors);
        if (!errors.isEmpty()) {
            throw new InvalidReportException(errors);
        }
        return new Checked(desktops, events, joins);
    }

    private static List<Join> joins(List<SessionJoin> sent, Instant now, List<FieldError> errors) {
        List<Join> joins = new ArrayList<>();
        if (sent == null) {
            return joins;
        }
        if (sent.size() > ActivityReport.MAX_JOINS) {
            errors.add(new FieldError("joins", "at most " + ActivityReport.MAX_JOINS + " per report"));
            return joins;
        }
        for (int i = 0; i < sent.size(); i++) {
            SessionJoin join = sent.get(i);
            String path = "joins[" + i + "]";
            if (join == null) {
                errors.add(new FieldError(path, "must not be null"));
                continue;
            }
            serverId(join.serverId(), path, errors);
            if (!JOIN_KINDS.contains(join.via())) {
                errors.add(new FieldError(path + ".via", "must be support-view, share-view or share-full"));
            }
            // Guacamole's usernames follow the site's heps-username-pattern, which may be wider than the
            // agent's member names: any printable name of up to 128 characters is recorded as it is.
            if (SessionJoin.SUPPORT_VIEW.equals(join.via()) && !printableName(join.user())) {
                errors.add(new FieldError(path + ".user", "required for support-view: the support user's name, "
                        + "1-128 printable characters"));
            }
            if (!printableName(join.sessionOf())) {
                errors.add(new FieldError(path + ".sessionOf", "required: whose session it is, 1-128 printable "
                        + "characters"));
            }
            if (join.from() != null && (join.from().isBlank() || join.from().length() > MAX_ADDRESS)) {
                errors.add(new FieldError(path + ".from", "an address of at most " + MAX_ADDRESS + " characters"));
            }
            Instant at = instant(join.at(), path + ".at", true, now, errors);
            joins.add(new Join(join.serverId(), join.via(), join.user(), join.sessionOf(), at, join.from()));
        }
        return joins;
    }

    private static boolean printableName(String name) {
        return name != null && !name.isBlank() && name.length() <= 128 && name.chars().noneMatch(Character::isISOControl);
    }

    private static boolean serverId(String serverId, String path, List<FieldError> errors) {
        if (serverId == null || serverId.isBlank() || serverId.length() > MAX_ID) {
            errors.add(new FieldError(path + ".serverId", "required: a Nova server id"));
            return false;
        }
        return true;
    }

    /** Parses an ISO-8601 instant; one after {@code notAfter} (when given) is taken as {@code notAfter}. */
    private static Instant instant(String value, String path, boolean required, Instant notAfter,
            List<FieldError> errors) {
        if (value == null || value.isBlank()) {
            if (required) {
                errors.add(new FieldError(path, "required: an ISO-8601 instant such as 2026-12-01T08:00:00Z"));
            }
            return null;
        }
        try {
            Instant instant = Instant.parse(value.trim());
            return notAfter != null && instant.isAfter(notAfter) ? notAfter : instant;
        } catch (DateTimeParseException e) {
            errors.add(new FieldError(path, "not an ISO-8601 instant: '" + value + "'"));
            return null;
        }
    }
}
