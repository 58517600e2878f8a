package cn.ac.ihep.heps.agent.experiment;

import cn.ac.ihep.heps.agent.quota.QuotaExceededException;
import cn.ac.ihep.heps.agent.quota.QuotaService;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

/**
 * Creates, updates and lists experiments. Each change and its audit entry are one
 * transaction, committed before the call returns: once acknowledged, it survives a crash.
 */
public final class ExperimentService {
    private final Database database;
    private final ExperimentRepository experiments;
    private final AuditLog audit;
    private final ExperimentValidator validator;
    private final QuotaService quotas;
    private final Clock clock;

    /** Without quotas. */
    public ExperimentService(Database database, ExperimentRepository experiments, AuditLog audit,
            ExperimentValidator validator, Clock clock) {
        this(database, experiments, audit, validator, null, clock);
    }

    /** With quotas: a change that would take an experiment over its quota is refused ({@link QuotaExceededException}). */
    public ExperimentService(Database database, ExperimentRepository experiments, AuditLog audit,
            ExperimentValidator validator, QuotaService quotas, Clock clock) {
        this.database = database;
        this.experiments = experiments;
        this.audit = audit;
        this.validator = validator;
        this.quotas = quotas;
        this.clock = clock;
    }

    private void checkQuota(java.sql.Connection connection, Experiment experiment) throws java.sql.SQLException {
        if (quotas != null) {
            quotas.check(connection, experiment);
        }
    }

    /** The outcome of an apply: the stored experiment and whether it was new. */
    public record Applied(Experiment experiment, boolean created) {
    }

    public Applied apply(ExperimentInput input, String actor) {
        Experiment valid = validator.validate(input);
        Instant now = clock.instant();
        return database.inTransaction(connection -> {
            boolean existed = experiments.find(connection, valid.proposalId()).isPresent();
            checkQuota(connection, valid);
            experiments.upsert(connection, valid, now);
            Experiment stored = experiments.find(connection, valid.proposalId()).orElseThrow();
            audit.record(connection, now, actor, existed ? "experiment.update" : "experiment.create",
                    "experiment/" + stored.proposalId(),
                    "beamline=" + stored.beamline() + " window=" + stored.startsAt() + "/" + stored.endsAt()
                            + " members=" + stored.members() + " desktop=" + stored.desktop());
            return new Applied(stored, !existed);
        });
    }

    /** Checks the input, and its quota, without storing it; throws {@link InvalidExperimentException}. */
    public Experiment validate(ExperimentInput input) {
        Experiment valid = validator.validate(input);
        if (quotas != null) {
            database.inTransaction(connection -> {
                checkQuota(connection, valid);
                return null;
            });
        }
        return valid;
    }

    public List<Experiment> list() {
        return database.inTransaction(experiments::list);
    }

    public Optional<Experiment> find(String proposalId) {
        return database.inTransaction(connection -> experiments.find(connection, proposalId));
    }

    /**
     * Extends the experiment's window to {@code endsAt} (ISO-8601 with offset), so that its
     * desktops may be opened again: later than the window's current end, within its quota.
     * The reconcile loop then writes the new end to each VM ({@code heps.expires}) and
     * unshelves those it shelved when the window ended. Empty when there is no such experiment.
     */
    public Optional<Experiment> extend(String proposalId, String endsAt, String actor) {
        Instant newEnd = parseEnd(endsAt);
        Instant now = clock.instant();
        return database.inTransaction(connection -> {
            Optional<Experiment> found = experiments.find(connection, proposalId);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            Experiment current = found.get();
            if (!newEnd.isAfter(current.endsAt())) {
                throw new InvalidExperimentException("The extension is invalid", List.of(new FieldError("endsAt",
                        "must be later than the window's current end " + current.endsAt()
                                + " (to shorten a window, apply the whole experiment)")));
            }
            Experiment extended = new Experiment(current.id(), current.proposalId(), current.beamline(),
                    current.group(), current.startsAt(), newEnd, current.desktop(), current.members(),
                    current.updatedAt());
            checkQuota(connection, extended);
            experiments.upsert(connection, extended, now);
            audit.record(connection, now, actor, "experiment.extend", "experiment/" + proposalId,
                    "endsAt=" + newEnd + " (was " + current.endsAt() + ")");
            return experiments.find(connection, proposalId);
        });
    }

    private static Instant parseEnd(String endsAt) {
        if (endsAt == null || endsAt.isBlank()) {
            throw new InvalidExperimentException("The extension is invalid", List.of(new FieldError("endsAt",
                    "required (ISO-8601 with offset, e.g. 2026-11-25T20:00:00Z)")));
        }
        try {
            return OffsetDateTime.parse(endsAt.trim()).toInstant();
        } catch (DateTimeParseException e) {
            throw new InvalidExperimentException("The extension is invalid", List.of(new FieldError("endsAt",
                    "not an ISO-8601 date-time with offset: '" + (endsAt.length() > 64 ? endsAt.substring(0, 64) + "…"
                            : endsAt) + "'")));
        }
    }

    /** Adds a member; returns the experiment, or empty when there is no such experiment. */
    public Optional<Experiment> addMember(String proposalId, String username, String actor) {
        if (!ExperimentValidator.isValidUsername(username)) {
            throw new InvalidExperimentException("The member is invalid", List.of(new FieldError("username",
                    "must be a facility username of 1-48 letters, digits, '.', '_' or '-'")));
        }
        Instant now = clock.instant();
        return database.inTransaction(connection -> {
            Optional<Experiment> experiment = experiments.find(connection, proposalId);
            if (experiment.isEmpty()) {
                return Optional.empty();
            }
            Experiment current = experiment.get();
            if (!current.members().contains(username)) {
                if (current.members().size() >= ExperimentValidator.MAX_MEMBERS) {
                    throw new InvalidExperimentException("The member is invalid", List.of(new FieldError("username",
                            "the experiment already has " + ExperimentValidator.MAX_MEMBERS + " members, the most it may have")));
                }
                List<String> members = new java.util.ArrayList<>(current.members());
                members.add(username);
                checkQuota(connection, new Experiment(current.id(), current.proposalId(), current.beamline(),
                        current.group(), current.startsAt(), current.endsAt(), current.desktop(), members,
                        current.updatedAt()));
            }
            if (experiments.addMember(connection, experiment.get().id(), username, now)) {
                audit.record(connection, now, actor, "member.add", "experiment/" + proposalId, username,
                        "username=" + username);
            }
            return experiments.find(connection, proposalId);
        });
    }

    /** Removes a member; the member's desktop is deleted by the next reconcile pass. */
    public Optional<Experiment> removeMember(String proposalId, String username, String actor) {
        Instant now = clock.instant();
        return database.inTransaction(connection -> {
            Optional<Experiment> experiment = experiments.find(connection, proposalId);
            if (experiment.isEmpty()) {
                return Optional.empty();
            }
            if (experiments.removeMember(connection, experiment.get().id(), username)) {
                audit.record(connection, now, actor, "member.remove", "experiment/" + proposalId, username,
                        "username=" + username);
            }
            return experiments.find(connection, proposalId);
        });
    }
}
