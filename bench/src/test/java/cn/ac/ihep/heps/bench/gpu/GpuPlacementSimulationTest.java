package cn.ac.ihep.heps.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class GpuPlacementSimulationTest {

    @Test
    void readsItsOptions() {
        GpuPlacementSimulation.Settings settings = GpuPlacementSimulation.Settings.parse(
                new String[] {"--seeds", "3", "--days", "30", "--loads", "0.5, 0.9", "--hosts4", "0"});

        assertEquals(3, settings.seeds());
        assertEquals(30, settings.days());
        assertArrayEquals(new double[] {0.5, 0.9}, settings.loads());
        assertEquals(0, settings.fourGpuHosts());
        assertEquals(4, settings.eightGpuHosts());
    }

    @Test
    void badOptionsSayWhatIsWrong() {
        assertEquals("--seeds needs a whole number, not 'many'", parseError("--seeds", "many"));
        assertEquals("--days must be at least 1, not 0", parseError("--days", "0"));
        assertEquals("--loads must lie in (0, 2], not -1", parseError("--loads", "0.5,-1"));
        assertEquals("--loads needs fractions such as 0.5,0.8, not '80%'", parseError("--loads", "80%"));
        assertEquals("--hosts4 and --hosts8 leave no GPU host",
                parseError("--hosts4", "0", "--hosts8", "0"));
        assertEquals("--seeds needs a value", parseError("--seeds"));
        assertTrue(parseError("--cores", "4").startsWith("unknown option --cores"));
    }

    @Test
    void printsOneBlockPerLoadWithTheRatios() {
        GpuCluster cluster = GpuCluster.of(GpuPlacementSimulation.RESOURCE_CLASS, 2, 1);
        GpuPlacementSimulation.Settings settings = GpuPlacementSimulation.Settings.parse(
                new String[] {"--seeds", "1", "--days", "60"});
        GpuPlacementSimulation.Row row = GpuPlacementSimulation.simulate(cluster, 0.8, 1, 60);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        GpuPlacementSimulation.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), cluster,
                settings, List.of(row));

        String table = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("80%   spreading"), table);
        assertTrue(table.contains("80%   packing"), table);
        assertTrue(table.contains("80%   optimum"), table);
        for (String notice : List.of("none", "short", "cycle")) {
            assertTrue(table.contains("80%   cal/" + notice), table);
        }
        assertTrue(row.optimumLower() <= row.optimumUpper());
        assertTrue(row.packing().accepted() <= row.optimumUpper());
        assertTrue(row.spreading().accepted() <= row.optimumUpper());
        row.calendar().values().forEach(calendar -> assertTrue(calendar.accepted() <= row.optimumUpper()));
    }

    private static String parseError(String... args) {
        return assertThrows(IllegalArgumentException.class,
                () -> GpuPlacementSimulation.Settings.parse(args)).getMessage();
    }
}
