package cn.ac.ihep.heps.common.cloud.openstack;

import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudUnavailableException;
import java.util.function.Supplier;
import org.openstack4j.api.exceptions.AuthenticationException;
import org.openstack4j.api.exceptions.ConnectionException;
import org.openstack4j.api.exceptions.ResponseException;
import org.openstack4j.model.common.ActionResponse;

/** Turns openstack4j's failures into the project's cloud exceptions, with what was being done. */
final class OpenStackErrors {

    private OpenStackErrors() {
    }

    /**
     * Runs an openstack4j call; when Keystone has revoked the shared token (401), forgets it and
     * tries once more with a fresh one.
     */
    static <T> T callRenewingToken(String what, Supplier<T> call, Runnable forgetToken) {
        try {
            return call(what, call);
        } catch (CloudException e) {
            if (!(e.getCause() instanceof AuthenticationException)) {
                throw e;
            }
            forgetToken.run();
            return call(what, call);
        }
    }

    static <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (CloudException e) {
            throw e;
        } catch (ConnectionException e) {
            throw new CloudUnavailableException("Cannot " + what + ": OpenStack did not answer (" + rootMessage(e) + ")", e);
        } catch (AuthenticationException e) {
            throw new CloudException("Cannot " + what + ": OpenStack refused the credentials (" + e.getMessage() + ")", e);
        } catch (ResponseException e) {
            throw fromStatus(what, e.getStatus(), e.getMessage(), e);
        } catch (RuntimeException e) {
            if (causedByIo(e)) {
                throw new CloudUnavailableException("Cannot " + what + ": " + rootMessage(e), e);
            }
            throw new CloudException("Cannot " + what + ": " + rootMessage(e), e);
        }
    }

    /** openstack4j reports refused actions in an ActionResponse instead of throwing. */
    static void check(String what, ActionResponse response) {
        if (response == null || response.isSuccess()) {
            return;
        }
        throw fromStatus(what, response.getCode(), response.getFault(), null);
    }

    static CloudException fromStatus(String what, int status, String detail, Throwable cause) {
        String message = "Cannot " + what + ": OpenStack answered " + status + (detail == null ? "" : " (" + detail + ")");
        if (status == 404) {
            return new CloudNotFoundException(message);
        }
        if (status == 503 || status == 502 || status == 504 || status == 0) {
            return new CloudUnavailableException(message, cause);
        }
        return cause == null ? new CloudException(message) : new CloudException(message, cause);
    }

    private static boolean causedByIo(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
