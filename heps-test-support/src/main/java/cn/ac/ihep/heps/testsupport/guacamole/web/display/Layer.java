package cn.ac.ihep.heps.testsupport.guacamole.web.display;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * One layer or off-screen buffer of a Guacamole display: an ARGB image and the path built by
 * {@code rect} instructions until the next fill. Visible layers (index 0 and up) have the size
 * the server gives them; buffers (negative indexes) grow to hold whatever is drawn into them,
 * as the JavaScript client's buffers do.
 */
final class Layer {
    private final boolean autosize;
    private final int maxPixels;
    private BufferedImage image;
    private final List<Rectangle> path = new ArrayList<>();

    Layer(boolean autosize, int maxPixels) {
        this.autosize = autosize;
        this.maxPixels = maxPixels;
    }

    int width() {
        return image == null ? 0 : image.getWidth();
    }

    int height() {
        return image == null ? 0 : image.getHeight();
    }

    BufferedImage image() {
        return image;
    }

    /** Changes the size, keeping what is drawn in the part that remains. */
    void resize(int width, int height) {
        if (width < 0 || height < 0) {
            throw new IllegalArgumentException("A layer cannot be " + width + "x" + height);
        }
        if ((long) width * height > maxPixels) {
            throw new IllegalArgumentException("A layer of " + width + "x" + height + " exceeds the limit of "
                    + maxPixels + " pixels");
        }
        if (width == width() && height == height()) {
            return;
        }
        if (width == 0 || height == 0) {
            image = null;
            return;
        }
        BufferedImage resized = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        if (image != null) {
            Graphics2D g = resized.createGraphics();
            g.drawImage(image, 0, 0, null);
            g.dispose();
        }
        image = resized;
    }

    /** Makes room for a drawing at (x, y) of the given size: buffers grow, layers do not. */
    void fit(int x, int y, int width, int height) {
        if (!autosize) {
            return;
        }
        int right = Math.max(width(), x + width);
        int bottom = Math.max(height(), y + height);
        if (right > width() || bottom > height()) {
            resize(right, bottom);
        }
    }

    void addRect(int x, int y, int width, int height) {
        path.add(new Rectangle(x, y, width, height));
    }

    /** Fills the current path with a colour and starts a new path. */
    void fillPath(int channelMask, Color color) {
        for (Rectangle rect : path) {
            fit(rect.x, rect.y, rect.width, rect.height);
        }
        if (image != null) {
            Graphics2D g = image.createGraphics();
            g.setComposite(ChannelMask.composite(channelMask));
            g.setColor(color);
            for (Rectangle rect : path) {
                g.fillRect(rect.x, rect.y, rect.width, rect.height);
            }
            g.dispose();
        }
        path.clear();
    }

    void draw(int channelMask, BufferedImage source, int x, int y) {
        fit(x, y, source.getWidth(), source.getHeight());
        if (image == null) {
            return;
        }
        Graphics2D g = image.createGraphics();
        g.setComposite(ChannelMask.composite(channelMask));
        g.drawImage(source, x, y, null);
        g.dispose();
    }

    /** A copy of a rectangle of this layer, clipped to its bounds; null when nothing is left. */
    BufferedImage copyOf(int x, int y, int width, int height) {
        Rectangle clipped = new Rectangle(x, y, width, height).intersection(new Rectangle(0, 0, width(), height()));
        if (image == null || clipped.isEmpty()) {
            return null;
        }
        BufferedImage copy = new BufferedImage(clipped.width, clipped.height, BufferedImage.TYPE_INT_ARGB);
        int[] pixels = image.getRGB(clipped.x, clipped.y, clipped.width, clipped.height, null, 0, clipped.width);
        copy.setRGB(0, 0, clipped.width, clipped.height, pixels, 0, clipped.width);
        return copy;
    }

    /** Combines a source rectangle bit by bit with what is here ({@code transfer}). */
    void transfer(BufferedImage source, int function, int x, int y) {
        fit(x, y, source.getWidth(), source.getHeight());
        Rectangle target = new Rectangle(x, y, source.getWidth(), source.getHeight())
                .intersection(new Rectangle(0, 0, width(), height()));
        if (image == null || target.isEmpty()) {
            return;
        }
        for (int row = target.y; row < target.y + target.height; row++) {
            for (int column = target.x; column < target.x + target.width; column++) {
                int src = source.getRGB(column - x, row - y);
                int dst = image.getRGB(column, row);
                image.setRGB(column, row, TransferFunction.apply(function, src, dst));
            }
        }
    }
}
