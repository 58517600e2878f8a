package cn.ac.ihep.heps.agent.images.build;

import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VMs and images one build has made and not yet handed over. {@link #removeAll()} deletes
 * them; the build calls it on failure, and a JVM shutdown hook calls it when the process is
 * stopped (Ctrl-C, SIGTERM). A kill that skips the hook (SIGKILL, power loss) is covered by
 * {@link LeftoverSweeper} on the next run, once the build's lease has passed.
 */
public final class BuildArtifacts implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BuildArtifacts.class);
    /** How long the shutdown hook waits for a create call in flight to return its id. */
    private static final Duration IN_FLIGHT_WAIT = Duration.ofSeconds(30);

    private final CloudProvider cloud;
    private final Set<String> servers = new LinkedHashSet<>();
    private final Set<String> images = new LinkedHashSet<>();
    private final Thread hook;
    private int creating;
    private boolean closing;

    private BuildArtifacts(CloudProvider cloud, boolean withShutdownHook) {
        this.cloud = cloud;
        this.hook = withShutdownHook ? new Thread(this::removeOnShutdown, "heps-image-build-cleanup") : null;
        if (hook != null) {
            Runtime.getRuntime().addShutdownHook(hook);
        }
    }

    /** Tracks one build's artifacts, removing them if the JVM is stopped before {@link #close()}. */
    public static BuildArtifacts withShutdownHook(CloudProvider cloud) {
        return new BuildArtifacts(cloud, true);
    }

    /** Call before a create request; pair with {@link #created}. */
    public synchronized void creating() {
        if (closing) {
            throw new CloudException("The build is being stopped");
        }
        creating++;
    }

    /** Records what a create request made; if the build was stopped meanwhile, removes it at once. */
    public void createdServer(String serverId) {
        created(servers, serverId, true);
    }

    public void createdImage(String imageId) {
        created(images, imageId, false);
    }

    /** A create request failed: nothing to record. */
    public synchronized void createFailed() {
        creating--;
        notifyAll();
    }

    private void created(Set<String> into, String id, boolean server) {
        boolean removeNow;
        synchronized (this) {
            creating--;
            notifyAll();
            removeNow = closing;
            if (!removeNow) {
                into.add(id);
            }
        }
        if (removeNow) {
            remove(id, server);
        }
    }

    public synchronized void forgetServer(String serverId) {
        servers.remove(serverId);
    }

    /** The image is finished and belongs to the catalog now: a later failure must not delete it. */
    public synchronized void handOverImage(String imageId) {
        images.remove(imageId);
    }

    /** Deletes every tracked VM, then every tracked image; failures are logged and the rest still removed. */
    public void removeAll() {
        Set<String> serverIds;
        Set<String> imageIds;
        synchronized (this) {
            serverIds = new LinkedHashSet<>(servers);
            imageIds = new LinkedHashSet<>(images);
            servers.clear();
            images.clear();
        }
        serverIds.forEach(id -> remove(id, true));
        imageIds.forEach(id -> remove(id, false));
    }

    private void remove(String id, boolean server) {
        try {
            if (server) {
                cloud.deleteServer(id);
                LOG.info("Removed build VM {}", id);
            } else {
                cloud.deleteImage(id);
                LOG.info("Removed unfinished image {}", id);
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not remove {} {} ({}); the next build run removes it once its lease has passed",
                    server ? "build VM" : "image", id, e.getMessage());
        }
    }

    private void removeOnShutdown() {
        synchronized (this) {
            closing = true;
            Instant deadline = Instant.now().plus(IN_FLIGHT_WAIT);
            while (creating > 0 && Instant.now().isBefore(deadline)) {
                try {
                    wait(Math.max(1, Duration.between(Instant.now(), deadline).toMillis()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        LOG.warn("Stopped during an image build: removing its VMs and unfinished images");
        removeAll();
    }

    @Override
    public void close() {
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is already running and cleans up.
            }
        }
    }
}
