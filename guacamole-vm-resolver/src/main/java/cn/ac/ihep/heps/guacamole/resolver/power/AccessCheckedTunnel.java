package cn.ac.ihep.heps.guacamole.resolver.power;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleServerException;
import org.apache.guacamole.io.GuacamoleReader;
import org.apache.guacamole.net.DelegatingGuacamoleTunnel;
import org.apache.guacamole.net.GuacamoleTunnel;
import org.apache.guacamole.protocol.GuacamoleInstruction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tunnel opened while the user's access is still being checked against Nova: nothing guacd
 * sends reaches the browser before the check has passed. guacd meanwhile connects to the
 * desktop, so the check costs no time the user sees. A check that refuses closes the tunnel
 * and ends it with the refusal; a check that cannot finish in time lets the session go on, as
 * a connect does when Nova is down (the index's answer stands).
 */
final class AccessCheckedTunnel extends DelegatingGuacamoleTunnel {

    private static final Logger logger = LoggerFactory.getLogger(AccessCheckedTunnel.class);

    private final CompletableFuture<?> check;
    private final long timeoutMillis;
    private volatile boolean passed;

    AccessCheckedTunnel(GuacamoleTunnel tunnel, CompletableFuture<?> check, long timeoutMillis) {
        super(tunnel);
        this.check = check;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public GuacamoleReader acquireReader() {
        GuacamoleReader reader = super.acquireReader();
        return new GuacamoleReader() {
            @Override
            public boolean available() throws GuacamoleException {
                return passed && reader.available();
            }

            @Override
            public char[] read() throws GuacamoleException {
                awaitCheck();
                return reader.read();
            }

            @Override
            public GuacamoleInstruction readInstruction() throws GuacamoleException {
                awaitCheck();
                return reader.readInstruction();
            }
        };
    }

    private void awaitCheck() throws GuacamoleException {
        if (passed) {
            return;
        }
        try {
            check.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            close();
            if (e.getCause() instanceof GuacamoleException refusal) {
                throw refusal;
            }
            throw new GuacamoleServerException("The desktop access check failed", e.getCause());
        } catch (TimeoutException e) {
            logger.warn("The access check of a desktop connection took over {} ms; the listing's answer stands",
                    timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new GuacamoleServerException("Interrupted while checking desktop access", e);
        }
        passed = true;
    }
}
