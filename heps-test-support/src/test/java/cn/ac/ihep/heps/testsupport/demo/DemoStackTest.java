package cn.ac.ihep.heps.testsupport.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoStackTest {

    @TempDir
    Path checkout;

    @Test
    void aMissingDemoIsNamedInOneLine() {
        DemoStack.Located located = DemoStack.locate(Map.of(), checkout);
        assertTrue(located.stack().isEmpty());
        assertEquals("the demo stack's state is not there: no readable " + checkout.resolve(".local/demo/agent.properties")
                + " (run dev/demo, or set HEPS_DEMO_HOME to the .local/demo of the checkout that ran it)", located.missing());
    }

    @Test
    void aDemoWhoseAgentIsDownIsNamedInOneLine() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Path home = Files.createDirectories(checkout.resolve("elsewhere"));
        Files.writeString(home.resolve("agent.properties"), "api-listen=127.0.0.1:" + port + "\nbeamlines=a, b\n");
        for (String file : new String[] {"api-token", "portal-key.pem", "vnc-site-secret"}) {
            Files.writeString(home.resolve(file), "x\n");
        }
        DemoStack.Located located = DemoStack.locate(Map.of("HEPS_DEMO_HOME", home.toString()), checkout);
        assertTrue(located.stack().isEmpty());
        assertEquals("the demo's provisioning agent does not answer at http://127.0.0.1:" + port
                + "/ (run dev/demo; its log is " + home.resolve("agent.log") + ")", located.missing());
    }
}
