package cn.ac.ihep.heps.e2e;

import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/**
 * The text on a screenshot, read by Tesseract (Debian's tesseract-ocr): a desktop's title bars and
 * menus are small, so the picture is enlarged three times first, as OCR needs about 20 pixels a line.
 */
final class ScreenText {
    private static final Path TESSERACT = Path.of("/usr/bin/tesseract");
    private static final int SCALE = 3;

    private ScreenText() {
    }

    /** Why text cannot be read here, if it cannot. */
    static Optional<String> missingPrerequisite() {
        return Files.isExecutable(TESSERACT) ? Optional.empty()
                : Optional.of("no " + TESSERACT + " (Debian's tesseract-ocr; .ci/run installs it)");
    }

    static String read(Path screenshot) throws IOException, InterruptedException {
        BufferedImage shot = ImageIO.read(screenshot.toFile());
        if (shot == null) {
            throw new IOException(screenshot + " is not an image");
        }
        BufferedImage large = new BufferedImage(shot.getWidth() * SCALE, shot.getHeight() * SCALE, BufferedImage.TYPE_INT_RGB);
        var graphics = large.createGraphics();
        graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        graphics.drawImage(shot, 0, 0, large.getWidth(), large.getHeight(), null);
        graphics.dispose();
        // The enlarged picture goes to Tesseract on its standard input, never to a file.
        Process tesseract = new ProcessBuilder(TESSERACT.toString(), "stdin", "stdout", "--psm", "11")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (var input = tesseract.getOutputStream()) {
            ImageIO.write(large, "png", input);
        }
        byte[] text = tesseract.getInputStream().readAllBytes();
        if (!tesseract.waitFor(60, TimeUnit.SECONDS) || tesseract.exitValue() != 0) {
            tesseract.destroyForcibly();
            throw new IOException("tesseract could not read " + screenshot);
        }
        return new String(text, StandardCharsets.UTF_8);
    }
}
