package cn.ac.ihep.heps.testsupport.guacamole;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.environment.LocalEnvironment;
import org.apache.guacamole.net.auth.AuthenticatedUser;
import org.apache.guacamole.net.auth.AuthenticationProvider;
import org.apache.guacamole.net.auth.Credentials;
import org.apache.guacamole.net.auth.UserContext;
import org.apache.guacamole.net.auth.credentials.CredentialsInfo;
import org.apache.guacamole.net.auth.credentials.GuacamoleCredentialsException;
import org.apache.guacamole.net.auth.credentials.GuacamoleInvalidCredentialsException;

/**
 * Runs built Guacamole extension jars the way the Guacamole 1.6.0 web application does, without
 * the web application: a temporary {@code GUACAMOLE_HOME} with a {@code guacamole.properties},
 * each jar in its own child-first {@link ExtensionClassLoader} over a {@link WebApplicationClassLoader},
 * the manifest's {@code authProviders} instantiated through their no-argument constructors, and
 * logins run as Guacamole's AuthenticationService runs them.
 *
 * <pre>{@code
 * try (GuacamoleHarness guacamole = GuacamoleHarness.builder()
 *         .property("heps-jwt-issuer", "https://token.example")
 *         .extension(Path.of("target/guacamole-auth-heps-0.1.0-SNAPSHOT.jar"))
 *         .start()) {
 *     Login login = guacamole.login(TestRequest.withParameter("heps_token", token));
 * }
 * }</pre>
 *
 * <p>{@code LocalEnvironment} is a JVM-wide singleton that fixes GUACAMOLE_HOME when first
 * touched, so one harness runs at a time per JVM, and the JVM must not have touched
 * {@code LocalEnvironment} with another home before the first harness starts.
 */
public final class GuacamoleHarness implements AutoCloseable {

    private static final Set<String> SUPPORTED_GUACAMOLE_VERSIONS = Set.of("1.6.0", "*");
    private static final String MANIFEST = "guac-manifest.json";
    private static final AtomicBoolean RUNNING = new AtomicBoolean();
    private static final AtomicBoolean SOURCES_REGISTERED = new AtomicBoolean();
    private static Path jvmGuacamoleHome;

    private final Path guacamoleHome;
    private final WebApplicationClassLoader webApplication;
    private final List<LoadedExtension> extensions;
    private final List<AuthenticationProvider> providers;
    private final AtomicBoolean closed = new AtomicBoolean();

    private GuacamoleHarness(Path guacamoleHome, WebApplicationClassLoader webApplication,
            List<LoadedExtension> extensions) {
        this.guacamoleHome = guacamoleHome;
        this.webApplication = webApplication;
        this.extensions = List.copyOf(extensions);
        List<AuthenticationProvider> all = new ArrayList<>();
        extensions.forEach(extension -> all.addAll(extension.authenticationProviders()));
        this.providers = Collections.unmodifiableList(all);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Path guacamoleHome() {
        return guacamoleHome;
    }

    /** The loaded extensions, in load order. */
    public List<LoadedExtension> extensions() {
        return extensions;
    }

    /** Every authentication provider of every extension, in load order. */
    public List<AuthenticationProvider> authenticationProviders() {
        return providers;
    }

    /** Logs in with no username or password, only what the request carries. */
    public Login login(TestRequest request) throws GuacamoleException {
        return login(null, null, request);
    }

    /**
     * Logs in as Guacamole does: the first provider returning a user wins; a credentials
     * failure from one provider lets the next try, and the first such failure is what is thrown
     * if none succeeds; any other exception stops the login. Then {@code getUserContext} is
     * called on every provider with that user and each context is decorated by every provider.
     */
    public Login login(String username, String password, TestRequest request) throws GuacamoleException {
        requireOpen();
        Credentials credentials = new Credentials(username, password, request.toServletRequest());
        return inWebApplication(() -> {
            AuthenticatedUser user = authenticate(credentials);
            List<UserContext> contexts = new ArrayList<>();
            for (AuthenticationProvider provider : providers) {
                UserContext context = provider.getUserContext(user);
                if (context != null)
                    contexts.add(context);
            }
            List<UserContext> decorated = new ArrayList<>();
            for (UserContext context : contexts) {
                UserContext current = context;
                for (AuthenticationProvider provider : providers) {
                    UserContext next = provider.decorate(current, user, credentials);
                    if (next != null)
                        current = next;
                }
                decorated.add(current);
            }
            return new Login(credentials, user, List.copyOf(decorated));
        });
    }

    /** Asks one provider alone, as one Guacamole node would (e.g. to play two nodes). */
    public AuthenticatedUser authenticate(AuthenticationProvider provider, TestRequest request)
            throws GuacamoleException {
        requireOpen();
        Credentials credentials = new Credentials(null, null, request.toServletRequest());
        return inWebApplication(() -> provider.authenticateUser(credentials));
    }

    private void requireOpen() {
        if (closed.get())
            throw new IllegalStateException("this GuacamoleHarness is closed");
    }

    private AuthenticatedUser authenticate(Credentials credentials) throws GuacamoleException {
        GuacamoleCredentialsException firstFailure = null;
        for (AuthenticationProvider provider : providers) {
            try {
                AuthenticatedUser user = provider.authenticateUser(credentials);
                if (user != null)
                    return user;
            }
            catch (GuacamoleCredentialsException e) {
                if (firstFailure == null)
                    firstFailure = e;
            }
        }
        if (firstFailure != null)
            throw firstFailure;
        throw new GuacamoleInvalidCredentialsException("Permission Denied.", CredentialsInfo.USERNAME_PASSWORD);
    }

    /** Runs with the web application's loader as context loader, as a servlet container thread does. */
    private <T> T inWebApplication(Callable<T> work) throws GuacamoleException {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(webApplication);
        try {
            return work.call();
        }
        catch (GuacamoleException | RuntimeException e) {
            throw e;
        }
        catch (Exception e) {
            throw new IllegalStateException(e);
        }
        finally {
            thread.setContextClassLoader(previous);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true))
            return;
        try {
            for (AuthenticationProvider provider : providers)
                provider.shutdown();
            for (LoadedExtension extension : extensions) {
                try {
                    extension.classLoader().close();
                }
                catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        finally {
            HarnessProperties.INSTANCE.clear();
            RUNNING.set(false);
        }
    }

    /** Fixes GUACAMOLE_HOME for this JVM before LocalEnvironment is first used. */
    private static synchronized Path jvmGuacamoleHome() throws IOException {
        if (jvmGuacamoleHome == null) {
            String configured = System.getProperty("guacamole.home");
            Path home = configured != null ? Path.of(configured) : Files.createTempDirectory("guacamole-home-");
            System.setProperty("guacamole.home", home.toString());
            Path actual = LocalEnvironment.getInstance().getGuacamoleHome().toPath();
            if (!actual.toAbsolutePath().equals(home.toAbsolutePath()))
                throw new IllegalStateException("LocalEnvironment was initialised with GUACAMOLE_HOME "
                        + actual + " before the harness could set it");
            jvmGuacamoleHome = home;
        }
        return jvmGuacamoleHome;
    }

    public static final class Builder {
        private final Map<String, String> properties = new LinkedHashMap<>();
        private final List<Path> jars = new ArrayList<>();

        /** A line of guacamole.properties. */
        public Builder property(String name, String value) {
            properties.put(name, value);
            return this;
        }

        public Builder properties(Map<String, String> values) {
            properties.putAll(values);
            return this;
        }

        /** An extension jar; extensions load, and are asked to authenticate, in this order. */
        public Builder extension(Path jar) {
            jars.add(jar);
            return this;
        }

        public GuacamoleHarness start() throws IOException, GuacamoleException {
            if (!RUNNING.compareAndSet(false, true))
                throw new IllegalStateException("another GuacamoleHarness is running in this JVM; close it first");
            List<LoadedExtension> loaded = new ArrayList<>();
            try {
                Path home = jvmGuacamoleHome();
                Path propertiesFile = home.resolve("guacamole.properties");
                try (Writer writer = Files.newBufferedWriter(propertiesFile, StandardCharsets.UTF_8)) {
                    for (Map.Entry<String, String> property : properties.entrySet())
                        writer.write(property.getKey() + ": " + escape(property.getValue()) + "\n");
                }
                HarnessProperties.INSTANCE.load(propertiesFile);
                if (SOURCES_REGISTERED.compareAndSet(false, true))
                    LocalEnvironment.getInstance().addGuacamoleProperties(HarnessProperties.INSTANCE);

                WebApplicationClassLoader webApplication =
                        new WebApplicationClassLoader(GuacamoleHarness.class.getClassLoader());
                for (Path jar : jars)
                    loaded.add(load(jar, webApplication));
                return new GuacamoleHarness(home, webApplication, loaded);
            }
            catch (IOException | GuacamoleException | RuntimeException | Error e) {
                for (LoadedExtension extension : loaded)
                    extension.classLoader().close();
                HarnessProperties.INSTANCE.clear();
                RUNNING.set(false);
                throw e;
            }
        }

        private static String escape(String value) {
            return value.replace("\\", "\\\\").replace("\n", "\\n");
        }

        private static LoadedExtension load(Path jar, WebApplicationClassLoader webApplication)
                throws IOException, GuacamoleException {
            ExtensionManifest manifest;
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                ZipEntry entry = zip.getEntry(MANIFEST);
                if (entry == null)
                    throw new IllegalArgumentException("Extension " + jar.getFileName() + " is missing " + MANIFEST);
                try (InputStream in = zip.getInputStream(entry)) {
                    manifest = new ObjectMapper().readValue(in, ExtensionManifest.class);
                }
            }
            if (!SUPPORTED_GUACAMOLE_VERSIONS.contains(manifest.guacamoleVersion()))
                throw new IllegalArgumentException("Extension " + jar.getFileName() + " is built for Guacamole "
                        + manifest.guacamoleVersion() + ", not 1.6.0");

            ExtensionClassLoader loader = ExtensionClassLoader.open(jar, webApplication);
            List<AuthenticationProvider> providers = new ArrayList<>();
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            thread.setContextClassLoader(webApplication);
            try {
                for (String className : manifest.authProviders())
                    providers.add(instantiate(loader, className));
            }
            catch (RuntimeException | Error | GuacamoleException e) {
                loader.close();
                throw e;
            }
            finally {
                thread.setContextClassLoader(previous);
            }
            return new LoadedExtension(jar, manifest, loader, List.copyOf(providers));
        }

        private static AuthenticationProvider instantiate(ClassLoader loader, String className)
                throws GuacamoleException {
            Class<?> type;
            try {
                type = loader.loadClass(className);
            }
            catch (ClassNotFoundException e) {
                throw new IllegalArgumentException("Authentication provider class not found: " + className, e);
            }
            if (!AuthenticationProvider.class.isAssignableFrom(type))
                throw new IllegalArgumentException(className + " is not an AuthenticationProvider of this "
                        + "web application (wrong API, or guacamole-ext bundled inside the extension)");
            try {
                return (AuthenticationProvider) type.getConstructor().newInstance();
            }
            catch (InvocationTargetException e) {
                if (e.getCause() instanceof GuacamoleException ge)
                    throw ge;
                throw new IllegalStateException(className + " failed to start: " + e.getCause(), e.getCause());
            }
            catch (ReflectiveOperationException e) {
                throw new IllegalStateException(className + " has no usable no-argument constructor", e);
            }
        }
    }
}
