package cn.ac.ihep.heps.agent.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MinCostFlowTest {

    @Test
    void takesTheCheaperOfTwoRoutesAndSplitsWhenOneIsFull() {
        // 0 → 1 → 3 costs 2 per unit (capacity 2); 0 → 2 → 3 costs 5 per unit (capacity 5).
        MinCostFlow flow = new MinCostFlow(4);
        int cheapIn = flow.addArc(0, 1, 2, 1);
        flow.addArc(1, 3, 2, 1);
        int dearIn = flow.addArc(0, 2, 5, 2);
        flow.addArc(2, 3, 5, 3);
        assertEquals(2 * 2 + 3 * 5, flow.solve(5));
        assertEquals(2, flow.flow(cheapIn));
        assertEquals(3, flow.flow(dearIn));
    }

    @Test
    void negativeCostsPickTheMostValuableSetOfIntervals() {
        // A time line 0-1-2-3 with one unit of spare capacity; intervals [0,2) worth 3, [1,3) worth 3, [0,3) worth 4.
        MinCostFlow flow = new MinCostFlow(4);
        for (int k = 0; k < 3; k++) {
            flow.addArc(k, k + 1, 1, 0);
        }
        int first = flow.addArc(0, 2, 1, -3);
        int second = flow.addArc(1, 3, 1, -3);
        int whole = flow.addArc(0, 3, 1, -4);
        assertEquals(-4, flow.solve(1));
        assertEquals(1, flow.flow(whole));
        assertEquals(0, flow.flow(first) + flow.flow(second));
    }

    @Test
    void refusesBackwardArcsAndMoreFlowThanFits() {
        MinCostFlow flow = new MinCostFlow(2);
        assertThrows(IllegalArgumentException.class, () -> flow.addArc(1, 0, 1, 0));
        flow.addArc(0, 1, 1, 0);
        assertThrows(IllegalStateException.class, () -> flow.solve(2));
    }
}
