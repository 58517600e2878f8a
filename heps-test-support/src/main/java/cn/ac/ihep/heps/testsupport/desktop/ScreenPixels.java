package cn.ac.ihep.heps.testsupport.desktop;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;

/** What a test reads off a captured screen (0xRRGGBB pixels, row by row), and how it keeps one to look at. */
public final class ScreenPixels {

    private ScreenPixels() {
    }

    /** Distinct colours: a blank or single-colour screen has one; a greeter's anti-aliased text and widgets many. */
    public static int colours(int[] pixels) {
        Set<Integer> colours = new HashSet<>();
        for (int pixel : pixels) {
            colours.add(pixel);
        }
        return colours.size();
    }

    public static void writePng(Path file, int[] pixels, int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, width, height, pixels, 0, width);
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(image, "png", file.toFile());
    }
}
