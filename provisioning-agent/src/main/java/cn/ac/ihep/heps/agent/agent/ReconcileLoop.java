package cn.ac.ihep.heps.agent.agent;

import cn.ac.ihep.heps.common.log.LogSafe;
import cn.ac.ihep.heps.agent.accounts.DirectoryAccounts;
import cn.ac.ihep.heps.agent.accounts.SyncReport;
import cn.ac.ihep.heps.agent.reconcile.Reconciler;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs reconcile passes one after another with a pause between them; a failed pass is logged and
 * retried. Each pass reconciles the desktops, then the members' directory accounts (a failure of
 * one does not keep the other from running).
 */
public final class ReconcileLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReconcileLoop.class);

    private final BackgroundLoop loop = new BackgroundLoop("heps-reconcile");
    private final Reconciler reconciler;
    private final DirectoryAccounts accounts;
    private final Duration accountCheckInterval;

    /**
     * {@code accountCheckInterval}: how often the directories are read when no member changed
     * (a pass over thousands of members is thousands of searches on the facility's AD).
     */
    public ReconcileLoop(Reconciler reconciler, DirectoryAccounts accounts, Duration accountCheckInterval) {
        this.reconciler = reconciler;
        this.accounts = accounts;
        this.accountCheckInterval = accountCheckInterval;
    }

    public void start(Duration interval) {
        loop.start(interval, this::passQuietly);
    }

    /**
     * A pass now rather than after the interval: what the user-service system just changed through
     * the API (an experiment, a member) gets its desktops without waiting up to a whole interval.
     */
    public void passSoon() {
        loop.wake();
    }

    private void passQuietly() {
        try {
            reconciler.reconcile();
        } catch (RuntimeException e) {
            LOG.warn("Reconcile pass failed: {}; retrying in the next pass", LogSafe.message(e.getMessage()));
            LOG.debug("Reconcile pass failure", e);
        }
        if (!accounts.enabled()) {
            return;
        }
        try {
            SyncReport report = accounts.syncIfChanged(accountCheckInterval);
            if (!report.succeeded()) {
                LOG.warn("Directory accounts: {} conflicts, {} errors (see 'heps accounts list')",
                        report.conflicts().size(), report.errors().size());
            }
        } catch (RuntimeException e) {
            LOG.warn("Directory accounts pass failed: {}; retrying in the next pass", LogSafe.message(e.getMessage()));
            LOG.debug("Directory accounts pass failure", e);
        }
    }

    @Override
    public void close() {
        loop.close();
    }
}
