package cn.ac.ihep.heps.agent.agent;

import cn.ac.ihep.heps.agent.reconcile.Reconciler;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs reconcile passes one after another with a pause between them; a failed pass is logged and retried. */
public final class ReconcileLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReconcileLoop.class);

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "heps-reconcile");
        thread.setDaemon(true);
        return thread;
    });
    private final Reconciler reconciler;

    public ReconcileLoop(Reconciler reconciler) {
        this.reconciler = reconciler;
    }

    public void start(Duration interval) {
        scheduler.scheduleWithFixedDelay(this::passQuietly, 0, Math.max(1, interval.toMillis()), TimeUnit.MILLISECONDS);
    }

    private void passQuietly() {
        try {
            reconciler.reconcile();
        } catch (RuntimeException e) {
            LOG.warn("Reconcile pass failed: {}; retrying in the next pass", e.getMessage());
            LOG.debug("Reconcile pass failure", e);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
