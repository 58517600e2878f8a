package cn.ac.ihep.heps.agent.idle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IdleSettingsTest {

    @Test
    void byDefaultGpuDesktopsAreShelvedAfterTwoHoursAndNothingElseHappens() {
        IdleSettings defaults = IdleSettings.defaults();
        assertEquals(new IdlePolicy(Optional.empty(), Optional.of(Duration.ofHours(2))),
                defaults.policyFor("nanoprobe", 1));
        assertEquals(IdlePolicy.NEVER, defaults.policyFor("nanoprobe", 0));
    }

    @Test
    void anExperimentOverridesItsBeamlineWhichOverridesTheSite() {
        IdleSettings settings = IdleSettings.parse("off, high-pressure=PT45M", "PT2H, nanoprobe=PT6H, imaging=off",
                "off, high-pressure=P1D");
        assertEquals(new IdlePolicy(Optional.of(Duration.ofMinutes(45)), Optional.of(Duration.ofDays(1))),
                settings.policyFor("high-pressure", 0));
        assertEquals(new IdlePolicy(Optional.empty(), Optional.of(Duration.ofHours(6))),
                settings.policyFor("nanoprobe", 2));
        assertEquals(IdlePolicy.NEVER, settings.policyFor("imaging", 1));
        assertEquals(new IdlePolicy(Optional.of(Duration.ofMinutes(20)), Optional.empty()),
                settings.policyFor("nanoprobe", 2, IdleLimit.parse("PT20M"), IdleLimit.OFF));
        assertEquals(new IdlePolicy(Optional.of(Duration.ofMinutes(45)), Optional.of(Duration.ofHours(8))),
                settings.policyFor("high-pressure", 4, null, IdleLimit.parse("PT8H")));
    }

    @Test
    void badValuesNameTheSettingAndWhatIsAccepted() {
        assertEquals("idle-shelve-after must be off or an ISO-8601 duration such as PT30M or PT2H, not '2h'",
                error("off", "2h", "off"));
        assertEquals("idle-disconnect-after must be longer than zero (or off), not 'PT0S'", error("PT0S", "off", "off"));
        assertEquals("idle-shelve-after-without-gpu needs a site default first (off or a duration), then any "
                + "<beamline>=<limit>", error("off", "off", "imaging=PT1H"));
        assertEquals("idle-shelve-after names beamline imaging twice", error("off", "PT1H, imaging=off, imaging=PT2H", "off"));
        assertEquals("idle-disconnect-after has two site defaults ('PT1H' and 'PT2H'); write <default>, "
                + "<beamline>=<limit>, ...", error("PT1H, PT2H", "off", "off"));
    }

    @Test
    void theAgentRefusesABadSettingByName() {
        var error = assertThrows(cn.ac.ihep.heps.agent.config.ConfigurationException.class,
                () -> cn.ac.ihep.heps.agent.config.AgentConfiguration.of(java.util.Map.of("idle-shelve-after", "2h"))
                        .idleSettings());
        assertEquals("The setting idle-shelve-after must be off or an ISO-8601 duration such as PT30M or PT2H, "
                + "not '2h'", error.getMessage());
        assertEquals(IdleSettings.defaults().policyFor("b", 1),
                cn.ac.ihep.heps.agent.config.AgentConfiguration.of(java.util.Map.of()).idleSettings().policyFor("b", 1));
    }

    @Test
    void theWarningComesFiveMinutesAheadOrAtAThirdOfShortLimits() {
        assertEquals(Duration.ofMinutes(5), IdleSettings.warningBefore(Duration.ofHours(1)));
        assertEquals(Duration.ofMinutes(2), IdleSettings.warningBefore(Duration.ofMinutes(6)));
    }

    private static String error(String disconnect, String shelve, String shelveWithoutGpu) {
        return assertThrows(IllegalArgumentException.class,
                () -> IdleSettings.parse(disconnect, shelve, shelveWithoutGpu)).getMessage();
    }
}
