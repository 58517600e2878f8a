package cn.ac.ihep.heps.agent.images;

import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An {@link InMemoryCloud} whose state lives in a file, so a build in another JVM can be killed
 * and this one can see what it left behind: each call loads the state, runs, and saves it, under
 * a file lock, and one thread at a time within a JVM.
 */
public final class SharedStateCloud {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule());

    /** What is stored. */
    public record State(Map<String, CloudServer> servers, Map<String, String> userData, Map<String, CloudImage> images) {
    }

    private SharedStateCloud() {
    }

    /** A provider over the state in {@code file}; {@code cloud} supplies the guest behaviour. */
    public static CloudProvider over(Path file, InMemoryCloud cloud) {
        return (CloudProvider) Proxy.newProxyInstance(CloudProvider.class.getClassLoader(), new Class<?>[] {CloudProvider.class},
                (proxy, method, args) -> {
                    // A file lock excludes other JVMs only: a second thread of this one (the build's
                    // shutdown hook while the build polls) would get OverlappingFileLockException.
                    synchronized (SharedStateCloud.class) {
                        try (FileChannel lockChannel = FileChannel.open(lockFile(file), StandardOpenOption.CREATE,
                                StandardOpenOption.WRITE)) {
                            FileLock lock = lockChannel.lock();
                            try {
                                load(file, cloud);
                                return method.invoke(cloud, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            } finally {
                                save(file, cloud);
                                lock.release();
                            }
                        }
                    }
                });
    }

    /** Writes {@code cloud}'s current state to {@code file}, e.g. the base images a test starts from. */
    public static void seed(Path file, InMemoryCloud cloud) {
        save(file, cloud);
    }

    public static State read(Path file) {
        try {
            return Files.exists(file) ? JSON.readValue(file.toFile(), new TypeReference<State>() { })
                    : new State(Map.of(), Map.of(), Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path lockFile(Path file) {
        return file.resolveSibling(file.getFileName() + ".lock");
    }

    private static void load(Path file, InMemoryCloud cloud) {
        State state = read(file);
        synchronized (cloud) {
            cloud.servers.clear();
            cloud.servers.putAll(state.servers());
            cloud.userData.clear();
            cloud.userData.putAll(state.userData());
            cloud.images.clear();
            cloud.images.putAll(state.images());
        }
    }

    private static void save(Path file, InMemoryCloud cloud) {
        try {
            State state;
            synchronized (cloud) {
                state = new State(new LinkedHashMap<>(cloud.servers), new LinkedHashMap<>(cloud.userData), new LinkedHashMap<>(cloud.images));
            }
            Path temp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(temp.toFile(), state);
            Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
