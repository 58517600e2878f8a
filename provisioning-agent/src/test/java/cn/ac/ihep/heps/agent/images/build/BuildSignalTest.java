package cn.ac.ihep.heps.agent.images.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuildSignalTest {

    @Test
    void theLastSignalOfTheRightBuildAndPhaseIsFoundInAConsoleLog() {
        String console = """
                [   12.3] cloud-init[812]: heps: fit2d 18.002: install
                HEPS-BUILD-RESULT build=aaaaaaaaaa phase=build status=ok checks=fit2d:ok
                [   13.0] systemd[1]: Reached target Cloud-init target.
                [   14.1] cloud-init[812]: HEPS-BUILD-RESULT build=0123456789 phase=build status=failed failed=fit2d/install checks=fit2d:failed,dioptas:ok
                HEPS-BUILD-RESULT build=0123456789 phase=validate status=ok checks=fit2d:ok
                """;

        BuildSignal signal = BuildSignal.find(console, "0123456789", "build").orElseThrow();

        assertFalse(signal.passed());
        assertEquals("fit2d/install", signal.failedStep());
        assertEquals(List.of("fit2d"), signal.failedChecks());
        assertEquals("step fit2d/install failed; checks failed: fit2d", signal.describe());
        assertTrue(BuildSignal.find(console, "0123456789", "validate").orElseThrow().passed());
        assertTrue(BuildSignal.find("FAKE CONSOLE OUTPUT\nANOTHER\nLAST LINE", "0123456789", "build").isEmpty());
    }

    @Test
    void aSignalRoundTripsThroughItsLine() {
        Map<String, Boolean> checks = new LinkedHashMap<>();
        checks.put("nvidia-driver", true);
        checks.put("windows-rdp", false);
        BuildSignal signal = new BuildSignal("0a1b2c3d4e", "validate", true, null, checks);

        assertEquals("HEPS-BUILD-RESULT build=0a1b2c3d4e phase=validate status=ok checks=nvidia-driver:ok,windows-rdp:failed",
                signal.toLine());
        assertEquals(signal, BuildSignal.find(signal.toLine(), "0a1b2c3d4e", "validate").orElseThrow());
        assertFalse(signal.passed(), "a failed check fails the build even when the status is ok");
    }
}
