package cn.ac.ihep.heps.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BeamtimeTraceTest {

    @Test
    void theSameSeedGivesTheSameTrace() {
        assertEquals(BeamtimeTrace.generate(3, 0.8, 56, 60), BeamtimeTrace.generate(3, 0.8, 56, 60));
        assertNotEquals(BeamtimeTrace.generate(3, 0.8, 56, 60), BeamtimeTrace.generate(4, 0.8, 56, 60));
    }

    @Test
    void desktopsFollowTheShiftPattern() {
        List<DesktopRequest> trace = BeamtimeTrace.generate(1, 0.8, 56, 365);
        long previousStart = 0;
        for (DesktopRequest d : trace) {
            assertEquals(0, d.start() % BeamtimeTrace.SHIFT_HOURS, d.toString());
            assertEquals(0, d.hours() % BeamtimeTrace.SHIFT_HOURS, d.toString());
            assertTrue(d.hours() >= 24 && d.hours() <= 144, d.toString());
            assertTrue(List.of(1, 2, 4).contains(d.gpus()), d.toString());
            assertTrue(d.start() >= previousStart, "trace is not in start order at " + d);
            previousStart = d.start();
        }
    }

    @Test
    void theOfferedLoadIsWhatWasAskedFor() {
        int gpus = 56;
        int days = 365;
        for (double load : new double[] {0.5, 0.8, 0.95}) {
            double gpuHours = 0;
            int desktops = 0;
            int multi = 0;
            for (int seed = 1; seed <= 4; seed++) {
                for (DesktopRequest d : BeamtimeTrace.generate(seed, load, gpus, days)) {
                    gpuHours += d.gpus() * d.hours();
                    desktops++;
                    multi += d.isMultiGpu() ? 1 : 0;
                }
            }
            double measured = gpuHours / (4.0 * gpus * days * 24);
            assertEquals(load, measured, 0.05 * load, "offered load at " + load);
            assertEquals(0.40, multi / (double) desktops, 0.03, "share of multi-GPU desktops");
        }
    }

    @Test
    void noticeChangesOnlyWhenDesktopsAreAnnounced() {
        List<DesktopRequest> none = BeamtimeTrace.generate(5, 0.8, 56, 365, BeamtimeTrace.Notice.NONE);
        List<DesktopRequest> cycle = BeamtimeTrace.generate(5, 0.8, 56, 365, BeamtimeTrace.Notice.CYCLE);
        List<DesktopRequest> shortNotice = BeamtimeTrace.generate(5, 0.8, 56, 365, BeamtimeTrace.Notice.SHORT);
        assertEquals(none.size(), cycle.size());
        int withTheSchedule = 0;
        for (int i = 0; i < none.size(); i++) {
            DesktopRequest a = none.get(i);
            DesktopRequest b = cycle.get(i);
            assertEquals(List.of(a.id(), a.start(), a.end(), (long) a.gpus()), List.of(b.id(), b.start(), b.end(), (long) b.gpus()));
            assertTrue(a.start() - a.announced() <= BeamtimeTrace.SHIFT_HOURS, "announced on arrival: " + a);
            long cycleLead = b.start() - b.announced();
            assertTrue(cycleLead >= 0 && cycleLead <= 90 * 24, b.toString());
            withTheSchedule += cycleLead >= 14 * 24 ? 1 : 0;
            long shortLead = shortNotice.get(i).start() - shortNotice.get(i).announced();
            assertTrue(shortLead >= 0 && shortLead <= 7 * 24, shortNotice.get(i).toString());
        }
        assertEquals(0.70, withTheSchedule / (double) cycle.size(), 0.03, "share announced with the run cycle");
    }

    @Test
    void refusesNonsenseSettings() {
        assertThrows(IllegalArgumentException.class, () -> BeamtimeTrace.generate(1, 0, 56, 365));
        assertThrows(IllegalArgumentException.class, () -> BeamtimeTrace.generate(1, 0.8, 0, 365));
        assertThrows(IllegalArgumentException.class, () -> BeamtimeTrace.generate(1, 0.8, 56, 0));
    }
}
