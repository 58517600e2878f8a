package cn.ac.ihep.heps.testsupport.guacamole.web;

import cn.ac.ihep.heps.testsupport.demo.DemoStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A second, stock Guacamole 1.6.0 web application beside the stack: the same war in its own
 * Tomcat 9 on a free loopback port, with no extension, users and connections from a
 * {@code user-mapping.xml}, and guacd wherever the caller says (the real one, or a port where
 * nothing listens). It is how a test compares our extensions with Guacamole's own connections,
 * or shows what a user sees when guacd is down, without touching the running stack.
 *
 * <p>Tomcat comes from {@code CATALINA_HOME}, else the one {@code dev/guacamole/up} fetched into
 * {@code .local/guacamole} of the checkout or of the demo's checkout; the war from
 * {@code GUACAMOLE_WAR} (default {@value #DEFAULT_WAR}). Started with {@code catalina.sh run}
 * (which runs the JVM itself), stopped by its process id.
 */
public final class StockGuacamole implements AutoCloseable {

    public static final String DEFAULT_WAR = "/opt/guacamole/client/guacamole.war";

    private final Path base;
    private final Process tomcat;
    private final URI url;

    private StockGuacamole(Path base, Process tomcat, URI url) {
        this.base = base;
        this.tomcat = tomcat;
        this.url = url;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The web application, e.g. {@code http://127.0.0.1:41234/guacamole/}. */
    public URI url() {
        return url;
    }

    public GuacamoleWebClient web() {
        return new GuacamoleWebClient(url);
    }

    /** Tomcat's output (Guacamole logs there). */
    public Path log() {
        return base.resolve("tomcat.out");
    }

    public long pid() {
        return tomcat.pid();
    }

    @Override
    public void close() {
        tomcat.descendants().forEach(ProcessHandle::destroy);
        tomcat.destroy();
        try {
            if (!tomcat.waitFor(20, TimeUnit.SECONDS)) {
                tomcat.destroyForcibly();
                tomcat.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            tomcat.destroyForcibly();
        }
        deleteTree(base);
    }

    /** Where Tomcat and the war are, or one line saying what is missing. */
    public record Prerequisites(Optional<Path> catalinaHome, Optional<Path> war, String missing) {
        public boolean present() {
            return missing == null;
        }
    }

    /** Finds Tomcat and the war for this checkout, or the checkout whose demo {@code HEPS_DEMO_HOME} names. */
    public static Prerequisites prerequisites() {
        List<Path> checkouts = new ArrayList<>();
        checkouts.add(DemoStack.checkout());
        String demoHome = System.getenv(DemoStack.HOME_VARIABLE);
        if (demoHome != null && !demoHome.isBlank()) {
            Path local = Path.of(demoHome).toAbsolutePath().getParent();
            if (local != null && local.getParent() != null) {
                checkouts.add(local.getParent());
            }
        }
        return prerequisites(System.getenv(), checkouts);
    }

    /**
     * Finds Tomcat and the war.
     *
     * @param checkouts checkouts whose {@code .local/guacamole} may hold the Tomcat dev/guacamole fetched
     */
    public static Prerequisites prerequisites(Map<String, String> env, List<Path> checkouts) {
        Optional<Path> catalinaHome = Optional.ofNullable(env.get("CATALINA_HOME")).filter(s -> !s.isBlank()).map(Path::of);
        if (catalinaHome.isEmpty()) {
            for (Path checkout : checkouts) {
                catalinaHome = fetchedTomcat(checkout.resolve(".local/guacamole"));
                if (catalinaHome.isPresent()) {
                    break;
                }
            }
        }
        Path war = Path.of(env.getOrDefault("GUACAMOLE_WAR", DEFAULT_WAR));
        if (catalinaHome.isEmpty() || !Files.isExecutable(catalinaHome.get().resolve("bin/catalina.sh"))) {
            return new Prerequisites(Optional.empty(), Optional.of(war), "no Tomcat 9 for a second Guacamole: set CATALINA_HOME, "
                    + "or run dev/guacamole/up once (it fetches Tomcat into .local/guacamole)");
        }
        if (!Files.isRegularFile(war)) {
            return new Prerequisites(catalinaHome, Optional.empty(), "the Guacamole 1.6.0 web application is missing: no "
                    + war + " (set GUACAMOLE_WAR; see README 'Guacamole and guacd')");
        }
        return new Prerequisites(catalinaHome, Optional.of(war), null);
    }

    private static Optional<Path> fetchedTomcat(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("apache-tomcat-9"))
                    .filter(p -> Files.isExecutable(p.resolve("bin/catalina.sh")))
                    .max(Comparator.naturalOrder());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** One connection of a user-mapping user. */
    public record MappedConnection(String name, String protocol, Map<String, String> parameters) {
        public MappedConnection {
            parameters = Map.copyOf(parameters);
        }
    }

    public static final class Builder {
        private String guacdHost = "127.0.0.1";
        private int guacdPort = 4822;
        private String username = "stock";
        private String password = "stock";
        private final List<MappedConnection> connections = new ArrayList<>();
        private final Map<String, String> properties = new LinkedHashMap<>();
        private Duration startTimeout = Duration.ofSeconds(180);

        public Builder guacd(String host, int port) {
            this.guacdHost = host;
            this.guacdPort = port;
            return this;
        }

        public Builder user(String name, String secret) {
            this.username = name;
            this.password = secret;
            return this;
        }

        public Builder connection(String name, String protocol, Map<String, String> parameters) {
            connections.add(new MappedConnection(name, protocol, parameters));
            return this;
        }

        /** A further line of guacamole.properties. */
        public Builder property(String name, String value) {
            properties.put(name, value);
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Starts Tomcat and waits until Guacamole answers; an {@link IllegalStateException} with
         * the end of Tomcat's log when it does not within the start timeout.
         */
        public StockGuacamole start(Prerequisites prerequisites) {
            if (!prerequisites.present()) {
                throw new IllegalStateException(prerequisites.missing());
            }
            Path catalinaHome = prerequisites.catalinaHome().orElseThrow();
            Path war = prerequisites.war().orElseThrow();
            Path base;
            Process process;
            int port = freePort();
            try {
                base = Files.createTempDirectory("heps-stock-guacamole-");
                Path home = Files.createDirectories(base.resolve("guacamole-home"));
                writeGuacamoleHome(home);
                Path catalinaBase = base.resolve("catalina-base");
                writeCatalinaBase(catalinaHome, catalinaBase, war, home, port);
                ProcessBuilder builder = new ProcessBuilder(catalinaHome.resolve("bin/catalina.sh").toString(), "run")
                        .redirectErrorStream(true)
                        .redirectOutput(base.resolve("tomcat.out").toFile());
                builder.environment().put("CATALINA_HOME", catalinaHome.toString());
                builder.environment().put("CATALINA_BASE", catalinaBase.toString());
                builder.environment().put("GUACAMOLE_HOME", home.toString());
                builder.environment().put("CATALINA_OPTS", "-Xmx384m -XX:+UseSerialGC");
                builder.environment().remove("CATALINA_PID");
                process = builder.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start a second Guacamole: " + e.getMessage(), e);
            }
            URI url = URI.create("http://127.0.0.1:" + port + "/guacamole/");
            StockGuacamole stock = new StockGuacamole(base, process, url);
            GuacamoleWebClient web = stock.web();
            long deadline = System.nanoTime() + startTimeout.toNanos();
            while (!web.answers(Duration.ofSeconds(2))) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    String tail = tail(stock.log());
                    stock.close();
                    throw new IllegalStateException("the second Guacamole did not answer at " + url + " within "
                            + startTimeout + (process.isAlive() ? "" : " (Tomcat exited)") + "; its log ends:\n" + tail);
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stock.close();
                    throw new IllegalStateException("interrupted", e);
                }
            }
            return stock;
        }

        private void writeGuacamoleHome(Path home) throws IOException {
            StringBuilder props = new StringBuilder()
                    .append("guacd-hostname: ").append(guacdHost).append('\n')
                    .append("guacd-port: ").append(guacdPort).append('\n');
            properties.forEach((name, value) -> props.append(name).append(": ").append(value).append('\n'));
            Files.writeString(home.resolve("guacamole.properties"), props.toString());
            StringBuilder xml = new StringBuilder("<user-mapping>\n  <authorize username=\"")
                    .append(xml(username)).append("\" password=\"").append(xml(password)).append("\">\n");
            for (MappedConnection connection : connections) {
                xml.append("    <connection name=\"").append(xml(connection.name())).append("\">\n")
                        .append("      <protocol>").append(xml(connection.protocol())).append("</protocol>\n");
                connection.parameters().forEach((name, value) -> xml.append("      <param name=\"").append(xml(name))
                        .append("\">").append(xml(value)).append("</param>\n"));
                xml.append("    </connection>\n");
            }
            xml.append("  </authorize>\n</user-mapping>\n");
            Files.writeString(home.resolve("user-mapping.xml"), xml.toString());
        }

        private static void writeCatalinaBase(Path catalinaHome, Path catalinaBase, Path war, Path home, int port)
                throws IOException {
            for (String dir : List.of("conf", "logs", "temp", "webapps", "work")) {
                Files.createDirectories(catalinaBase.resolve(dir));
            }
            try (Stream<Path> files = Files.list(catalinaHome.resolve("conf"))) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(file, catalinaBase.resolve("conf").resolve(file.getFileName()));
                }
            }
            Path serverXml = catalinaBase.resolve("conf/server.xml");
            String server = Files.readString(serverXml, StandardCharsets.UTF_8)
                    .replace("<Server port=\"8005\"", "<Server port=\"-1\"")
                    .replace("<Connector port=\"8080\" protocol=\"HTTP/1.1\"",
                            "<Connector address=\"127.0.0.1\" port=\"" + port + "\" protocol=\"HTTP/1.1\"");
            if (!server.contains("port=\"" + port + "\"")) {
                throw new IOException("cannot set the port in " + catalinaHome.resolve("conf/server.xml")
                        + ": no <Connector port=\"8080\" protocol=\"HTTP/1.1\">");
            }
            Files.writeString(serverXml, server, StandardCharsets.UTF_8);
            Files.writeString(catalinaBase.resolve("conf/catalina.properties"),
                    "\nguacamole.home=" + home + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
            Files.createSymbolicLink(catalinaBase.resolve("webapps/guacamole.war"), war);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String xml(String value) {
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Left in the temporary directory.
        }
    }
}
