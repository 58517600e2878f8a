package cn.ac.ihep.heps.agent.agent;

import cn.ac.ihep.heps.agent.accounts.AccountPasswords;
import cn.ac.ihep.heps.common.log.LogSafe;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes the sign-in passwords that are due ({@link AccountPasswords#rotateDue}) on a thread of
 * its own, so that a slow domain controller delays neither reconcile passes nor API answers.
 */
public final class PasswordRotationLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PasswordRotationLoop.class);

    private final AccountPasswords passwords;
    private final BackgroundLoop loop = new BackgroundLoop("heps-password-rotation");

    public PasswordRotationLoop(AccountPasswords passwords) {
        this.passwords = passwords;
    }

    /** Starts looking every {@code interval}; does nothing when the agent keeps no sign-in passwords. */
    public void start(Duration interval) {
        if (!passwords.enabled()) {
            return;
        }
        loop.start(interval, this::roundQuietly);
    }

    private void roundQuietly() {
        try {
            passwords.rotateDue();
        } catch (RuntimeException e) {
            LOG.warn("Changing sign-in passwords failed: {}; retrying in the next round", LogSafe.message(e.getMessage()));
            LOG.debug("Sign-in password round failure", e);
        }
    }

    @Override
    public void close() {
        loop.close();
    }
}
