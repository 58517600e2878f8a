package cn.ac.ihep.heps.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PercentilesTest {

    private static final double[] TEN = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

    @Test
    void nearestRankTakesTheSmallestValueCoveringThePercent() {
        assertEquals(5, Percentiles.nearestRank(TEN, 50));
        assertEquals(9, Percentiles.nearestRank(TEN, 90));
        assertEquals(10, Percentiles.nearestRank(TEN, 99));
        assertEquals(1, Percentiles.nearestRank(TEN, 0));
        assertEquals(7, Percentiles.nearestRank(new double[] {7}, 90));
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(5.5, Percentiles.median(TEN));
        assertEquals(2, Percentiles.median(new double[] {1, 2, 3}));
    }
}
