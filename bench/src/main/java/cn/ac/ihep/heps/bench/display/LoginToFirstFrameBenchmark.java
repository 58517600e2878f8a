package cn.ac.ihep.heps.bench.display;

import cn.ac.ihep.heps.agent.token.PortalTokenIssuer;
import cn.ac.ihep.heps.bench.Percentiles;
import cn.ac.ihep.heps.testsupport.demo.AgentApiClient.AgentDesktop;
import cn.ac.ihep.heps.testsupport.demo.DemoStack;
import cn.ac.ihep.heps.testsupport.guacamole.web.AuthenticatedSession;
import cn.ac.ihep.heps.testsupport.guacamole.web.GuacamoleStack;
import cn.ac.ihep.heps.testsupport.guacamole.web.GuacamoleWebClient;
import cn.ac.ihep.heps.testsupport.guacamole.web.StockGuacamole;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.FrameWait;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelClient;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelOptions;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelParameters;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The portal hand-off as a user feels it: from {@code POST /api/tokens} to the first frame of an
 * already running desktop, through our extensions (a portal token, the resolver's connection)
 * against the same desktop reached through a stock Guacamole's {@code user-mapping.xml}
 * connection with the same guacd and the same VNC parameters, in the same run, logins
 * alternating. Each login does what the front end does: the token, the connection list, the
 * WebSocket tunnel, until the first frame.
 *
 * <p>Needs the running stack and demo (dev/demo). The desktop is a RUNNING Linux desktop of the
 * demo: {@code --experiment} (default DEMO-HIGHPRESSURE) and optionally {@code --user}.
 *
 * <pre>
 * java -cp ... cn.ac.ihep.heps.bench.display.LoginToFirstFrameBenchmark [--logins 20] [--warmup 2]
 *     [--experiment DEMO-HIGHPRESSURE] [--user bob] [--out bench/target/login-to-first-frame.md]
 * </pre>
 */
public final class LoginToFirstFrameBenchmark {

    private static final String RESOLVER = "heps-vm-resolver";
    /** The data source of Guacamole's user-mapping.xml authentication. */
    private static final String USER_MAPPING = "default";
    private static final Duration FRAME_TIMEOUT = Duration.ofSeconds(30);

    /** One login: the whole time and its parts, in milliseconds. */
    record Login(double total, double token, double list, double webSocket, double firstFrame) {
    }

    private LoginToFirstFrameBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("logins", "20", "warmup", "2",
                "experiment", "DEMO-HIGHPRESSURE", "user", "", "out", "bench/target/login-to-first-frame.md"));
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i].replaceFirst("^--", "");
            if (!options.containsKey(name) || i + 1 >= args.length) {
                System.err.println("usage: LoginToFirstFrameBenchmark [--logins N] [--warmup N] [--experiment P] [--user U] [--out FILE]");
                System.exit(2);
            }
            options.put(name, args[i + 1]);
        }
        GuacamoleStack stack;
        DemoStack demo;
        try {
            stack = GuacamoleStack.require();
            demo = DemoStack.require();
        } catch (IllegalStateException e) {
            System.err.println(e.getMessage());
            System.exit(1);
            return;
        }
        StockGuacamole.Prerequisites prerequisites = StockGuacamole.prerequisites();
        if (!prerequisites.present()) {
            System.err.println(prerequisites.missing());
            System.exit(1);
        }
        String experiment = options.get("experiment");
        String wantedUser = options.get("user");
        AgentDesktop desktop = demo.agent().desktops(experiment).stream()
                .filter(AgentDesktop::isRunningWithAddress)
                .filter(d -> wantedUser.isBlank() || d.username().equals(wantedUser))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no RUNNING desktop with an address in " + experiment
                        + (wantedUser.isBlank() ? "" : " for " + wantedUser) + " (dev/demo makes DEMO-HIGHPRESSURE)"));
        int logins = Integer.parseInt(options.get("logins"));
        int warmup = Integer.parseInt(options.get("warmup"));

        PortalTokenIssuer.LoadedKey key = PortalTokenIssuer.load(demo.portalKey());
        PortalTokenIssuer issuer = new PortalTokenIssuer(key.key(), key.keyId() != null ? key.keyId() : demo.portalKeyId(),
                Clock.systemUTC());
        Map<String, String> parameters = VncProfiles.resolver(desktop.address(), 5900, demo.vncSiteSecret(),
                desktop.serverId(), Map.of());
        TunnelParameters tunnelParameters = TunnelParameters.connection(RESOLVER, desktop.serverId()).withSize(1920, 1080);

        System.err.println("desktop " + desktop.serverId() + " of " + desktop.username() + " at " + desktop.address()
                + "; starting a stock Guacamole 1.6.0 (Tomcat) with the stack's guacd ...");
        List<Login> ours = new ArrayList<>();
        List<Login> stock = new ArrayList<>();
        try (StockGuacamole stockGuacamole = StockGuacamole.builder().guacd("127.0.0.1", 4822).user("bench", "bench")
                .connection("desktop", "vnc", parameters).start(prerequisites)) {
            TunnelClient ourTunnels = stack.tunnel(TunnelOptions.defaults());
            TunnelClient stockTunnels = new TunnelClient(stockGuacamole.url(), TunnelOptions.defaults());
            GuacamoleWebClient stockWeb = stockGuacamole.web();
            for (int i = 0; i < warmup + logins; i++) {
                String token = issuer.issue(desktop.username(), demo.tokenIssuer(), demo.tokenAudience(),
                        Duration.ofSeconds(60), List.of(experiment)).token();
                Login our = login(stack.web(), ourTunnels, () -> stack.web().loginWithPortalToken(token).orThrow(),
                        RESOLVER, tunnelParameters);
                Login theirs = login(stockWeb, stockTunnels,
                        () -> stockWeb.createToken(Map.of("username", "bench", "password", "bench")).orThrow(),
                        USER_MAPPING, TunnelParameters.connection(USER_MAPPING, "desktop").withSize(1920, 1080));
                if (i >= warmup) {
                    ours.add(our);
                    stock.add(theirs);
                    System.err.printf(Locale.ROOT, "login %2d: ours %.0f ms, stock %.0f ms%n", i - warmup + 1, our.total(),
                            theirs.total());
                }
            }
        }
        String report = report(desktop, parameters, ours, stock);
        System.out.println(report);
        Path out = Path.of(options.get("out"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, report);
    }

    private static Login login(GuacamoleWebClient web, TunnelClient tunnels, Supplier<AuthenticatedSession> authenticate,
            String dataSource, TunnelParameters parameters) {
        long start = System.nanoTime();
        AuthenticatedSession session = authenticate.get();
        long authenticated = System.nanoTime();
        web.connections(session.authToken(), dataSource).orThrow();
        long listed = System.nanoTime();
        try (TunnelSession tunnel = tunnels.open(session.authToken(), parameters)) {
            FrameWait first = tunnel.awaitFirstFrame(FRAME_TIMEOUT);
            if (!first.arrived()) {
                throw new IllegalStateException("no first frame through " + tunnels.tunnelUri() + ": " + first);
            }
            long frame = tunnel.frames().firstFrameNanos().orElseThrow();
            return new Login(ms(frame - start), ms(authenticated - start), ms(listed - authenticated),
                    ms(tunnel.webSocketOpenNanos() - listed), ms(frame - tunnel.webSocketOpenNanos()));
        } finally {
            web.logout(session.authToken());
            try {
                Thread.sleep(1000); // guacd's session process ends; the desktop's VNC server is idle again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    /** Nearest-rank percentile of one step over the logins. */
    static double percentile(List<Login> logins, java.util.function.ToDoubleFunction<Login> part, double p) {
        return Percentiles.nearestRank(logins.stream().mapToDouble(part).sorted().toArray(), p);
    }

    static double median(List<Login> logins, java.util.function.ToDoubleFunction<Login> part) {
        return Percentiles.median(logins.stream().mapToDouble(part).sorted().toArray());
    }

    private static String report(AgentDesktop desktop, Map<String, String> parameters, List<Login> ours, List<Login> stock) {
        StringBuilder out = new StringBuilder("# POST /api/tokens to the first frame\n\n")
                .append(String.format(Locale.ROOT, "%d logins each, alternating, to %s (%s, 1920x1080) with the same guacd and "
                        + "VNC parameters %s. Milliseconds, median (p90).%n%n", ours.size(), desktop.serverId(),
                        desktop.address(), VncProfiles.describe(parameters)))
                .append("| path | POST /api/tokens → first frame | token | connection list | WebSocket open | to first frame |\n")
                .append("|---|---|---|---|---|---|\n");
        row(out, "our extensions (portal token, heps-vm-resolver)", ours);
        row(out, "stock Guacamole (user-mapping.xml)", stock);
        out.append(String.format(Locale.ROOT, "%nRatio ours / stock: median %.3f, p90 %.3f (target ≤ 1.05).%n",
                median(ours, Login::total) / median(stock, Login::total),
                percentile(ours, Login::total, 90) / percentile(stock, Login::total, 90)));
        out.append("\nEvery login (ms), ours: ").append(Arrays.toString(ours.stream().mapToLong(l -> Math.round(l.total())).toArray()))
                .append("\nEvery login (ms), stock: ").append(Arrays.toString(stock.stream().mapToLong(l -> Math.round(l.total())).toArray()))
                .append('\n');
        return out.toString();
    }

    private static void row(StringBuilder out, String name, List<Login> logins) {
        out.append(String.format(Locale.ROOT, "| %s | %.0f (%.0f) | %.1f (%.1f) | %.1f (%.1f) | %.1f (%.1f) | %.0f (%.0f) |%n", name,
                median(logins, Login::total), percentile(logins, Login::total, 90),
                median(logins, Login::token), percentile(logins, Login::token, 90),
                median(logins, Login::list), percentile(logins, Login::list, 90),
                median(logins, Login::webSocket), percentile(logins, Login::webSocket, 90),
                median(logins, Login::firstFrame), percentile(logins, Login::firstFrame, 90)));
    }
}
