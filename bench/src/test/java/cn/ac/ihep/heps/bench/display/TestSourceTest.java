package cn.ac.ihep.heps.bench.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestSourceTest {

    @Test
    void bgrxBytesBecomeTheImagesRgbPixels() {
        byte[] twoPixels = {0x10, 0x20, 0x30, 0, (byte) 0xff, 0, (byte) 0x80, 0};
        BufferedImage image = TestSource.image(twoPixels, 2, 1);
        assertEquals(0x302010, image.getRGB(0, 0) & 0xffffff);
        assertEquals(0x8000ff, image.getRGB(1, 0) & 0xffffff);
    }

    @Test
    void twoSecondsOfFramesAtFullHdButFewerAtFourKToStayWithinTheMemoryBudget() {
        assertEquals(120, TestSource.frameCount(1920, 1080, 60));
        int fourK = TestSource.frameCount(3840, 2160, 60);
        assertTrue(fourK < 60 && 4L * 3840 * 2160 * fourK <= TestSource.BUDGET_BYTES, () -> fourK + " frames at 4K");
    }

    @Test
    void ffmpegIsAskedForExactlyThatManyRawFramesOfTheScreensSize() {
        List<String> command = TestSource.command(1920, 1080, 60, 120);
        assertTrue(command.contains("testsrc2=size=1920x1080:rate=60"), command::toString);
        assertEquals("120", command.get(command.indexOf("-frames:v") + 1));
        assertEquals("bgr0", command.get(command.indexOf("-pix_fmt") + 1));
    }

    @Test
    void thePainterNamesItsContentAndRefusesAnUnknownOne() {
        assertEquals(ScreenPainter.Content.TESTSRC2, ScreenPainter.Content.parse("testsrc2"));
        assertEquals("cards", ScreenPainter.Content.CARDS.option());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> ScreenPainter.Content.parse("smpte"));
        assertTrue(unknown.getMessage().contains("cards or testsrc2"), unknown::getMessage);
    }
}
