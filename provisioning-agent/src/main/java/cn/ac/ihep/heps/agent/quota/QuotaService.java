package cn.ac.ihep.heps.agent.quota;

import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.experiment.FieldError;
import cn.ac.ihep.heps.agent.store.AuditLog;
import cn.ac.ihep.heps.agent.store.Database;
import cn.ac.ihep.heps.agent.store.ExperimentRepository;
import cn.ac.ihep.heps.agent.store.QuotaRepository;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Quotas per experiment and a site default: how many desktops, GPUs at once and GPU-hours per
 * beamtime one experiment may hold ({@link QuotaUsage}). An experiment's own limit replaces the
 * site default's; a limit nobody set is no limit. Checked whenever an experiment is created or
 * changed or gains a member, through the API and the CLI alike; a quota lowered below what an
 * experiment holds keeps what exists and refuses anything more.
 */
public final class QuotaService {

    /** The scope of the site default. */
    public static final String SITE = "*";
    private static final Pattern PROPOSAL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** One scope's quota: as set, as it applies (with the site default), and, for an experiment, its usage. */
    public record QuotaView(String scope, Quota set, Quota effective, QuotaUsage usage) {
    }

    private final Database database;
    private final QuotaRepository quotas;
    private final ExperimentRepository experiments;
    private final AuditLog audit;
    private final Clock clock;

    public QuotaService(Database database, QuotaRepository quotas, ExperimentRepository experiments, AuditLog audit,
            Clock clock) {
        this.database = database;
        this.quotas = quotas;
        this.experiments = experiments;
        this.audit = audit;
        this.clock = clock;
    }

    /** Throws {@link QuotaExceededException} when {@code experiment}, as it would be stored, exceeds its quota. */
    public void check(Connection connection, Experiment experiment) throws SQLException {
        Quota own = quotas.find(connection, experiment.proposalId()).orElse(Quota.NONE);
        Quota site = quotas.find(connection, SITE).orElse(Quota.NONE);
        QuotaUsage usage = QuotaUsage.of(experiment);
        List<FieldError> errors = new ArrayList<>();
        limit(errors, "quota.desktops", "desktops", own.desktops(), site.desktops(), usage.desktops(),
                usage.desktops() + " (one per member)");
        limit(errors, "quota.gpus", "GPUs", own.gpus(), site.gpus(), usage.gpus(),
                usage.gpus() + " (" + usage.desktops() + " members × " + experiment.desktop().gpus() + " GPUs)");
        limit(errors, "quota.gpuHours", "GPU-hours per beamtime", own.gpuHours(), site.gpuHours(), usage.gpuHours(),
                usage.gpuHours() + " (" + usage.gpus() + " GPUs × the window of " + experiment.startsAt() + " to "
                        + experiment.endsAt() + ")");
        if (!errors.isEmpty()) {
            throw new QuotaExceededException(experiment.proposalId(), errors);
        }
    }

    private static void limit(List<FieldError> errors, String field, String what, Number own, Number site, long used,
            String usage) {
        Number limit = own != null ? own : site;
        if (limit != null && used > limit.longValue()) {
            errors.add(new FieldError(field, "the " + what + " quota is " + limit
                    + (own != null ? " (this experiment's)" : " (the site default)") + "; the experiment would use "
                    + usage + ". Ask for a larger quota ('heps quota set')"));
        }
    }

    /** The site default and every experiment's quota and usage; or one experiment's. */
    public List<QuotaView> show(Optional<String> proposalId) {
        return database.inTransaction(c -> {
            Map<String, Quota> stored = quotas.list(c);
            Quota site = stored.getOrDefault(SITE, Quota.NONE);
            List<QuotaView> views = new ArrayList<>();
            if (proposalId.isEmpty()) {
                views.add(new QuotaView(SITE, site, site, null));
            }
            for (Experiment experiment : experiments.list(c)) {
                if (proposalId.isPresent() && !proposalId.get().equals(experiment.proposalId())) {
                    continue;
                }
                Quota own = stored.getOrDefault(experiment.proposalId(), Quota.NONE);
                views.add(new QuotaView(experiment.proposalId(), own, own.over(site), QuotaUsage.of(experiment)));
            }
            if (proposalId.isPresent() && views.isEmpty()) {
                Quota own = stored.getOrDefault(proposalId.get(), Quota.NONE);
                views.add(new QuotaView(proposalId.get(), own, own.over(site), null));
            }
            return views;
        });
    }

    /**
     * Changes a scope's quota: each of {@code desktops}, {@code gpus}, {@code gpuHours} is null
     * (unchanged), {@code none} (no limit) or a whole number of 0 or more.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public QuotaView set(String scope, String desktops, String gpus, String gpuHours, String actor) {
        if (!SITE.equals(scope) && !PROPOSAL.matcher(scope).matches()) {
            throw new IllegalArgumentException("'" + scope + "' is not a proposal id (1-64 letters, digits, '.', '_' "
                    + "or '-')");
        }
        Instant now = clock.instant();
        database.inTransaction(c -> {
            Quota current = quotas.find(c, scope).orElse(Quota.NONE);
            Quota changed = new Quota(
                    change(current.desktops(), desktops, "--desktops", Integer::valueOf),
                    change(current.gpus(), gpus, "--gpus", Integer::valueOf),
                    change(current.gpuHours(), gpuHours, "--gpu-hours", Long::valueOf));
            quotas.put(c, scope, changed, now);
            audit.record(c, now, actor, "quota.set", SITE.equals(scope) ? "quota/site" : "quota/" + scope,
                    "desktops=" + text(changed.desktops()) + " gpus=" + text(changed.gpus()) + " gpuHours="
                            + text(changed.gpuHours()));
            return null;
        });
        return show(SITE.equals(scope) ? Optional.empty() : Optional.of(scope)).stream()
                .filter(view -> view.scope().equals(scope)).findFirst().orElseThrow();
    }

    private static String text(Number value) {
        return value == null ? "none" : value.toString();
    }

    private static <T extends Number> T change(T current, String value, String option,
            java.util.function.Function<String, T> parse) {
        if (value == null) {
            return current;
        }
        if (value.trim().equalsIgnoreCase("none")) {
            return null;
        }
        try {
            T parsed = parse.apply(value.trim());
            if (parsed.longValue() < 0) {
                throw new NumberFormatException();
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a whole number of 0 or more, or none, not '"
                    + value + "'");
        }
    }
}
