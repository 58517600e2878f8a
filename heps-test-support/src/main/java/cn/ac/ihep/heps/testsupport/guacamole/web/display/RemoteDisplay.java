package cn.ac.ihep.heps.testsupport.guacamole.web.display;

import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.GuacamoleProtocolException;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.Instruction;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.imageio.ImageIO;

/**
 * What a browser would show of a Guacamole connection: the drawing instructions guacd sends for
 * a remote desktop ({@code size}, {@code img}/{@code blob}/{@code end} with PNG or JPEG,
 * {@code rect} + {@code cfill}, {@code copy}, {@code transfer}, {@code dispose}) applied to
 * layers, the default layer 0 being the screen. Layer nesting, position and opacity
 * ({@code move}, {@code shade}) are not modelled: a desktop draws into layer 0.
 *
 * <p>Thread-safe: the tunnel applies instructions on its thread, tests take snapshots on theirs.
 */
public final class RemoteDisplay {

    /** The image types the client advertises ({@code GUAC_IMAGE}): never WebP, which ImageIO cannot read. */
    public static final Set<String> IMAGE_TYPES = Set.of("image/png", "image/jpeg");

    /** What a display that only counts images accepts besides: it sizes them, never reads them. */
    private static final Set<String> COUNTED_IMAGE_TYPES = Set.of("image/png", "image/jpeg", "image/webp");

    static {
        ImageIO.setUseCache(false);
    }

    private final DisplayOptions options;
    private final Map<Integer, Layer> layers = new HashMap<>();
    private final Map<Integer, ImageStream> streams = new HashMap<>();
    private final Map<String, Long> imagesByType = new TreeMap<>();
    private final FrameLog frames = new FrameLog();
    private long imageBytes;
    private boolean drewSinceSync;

    public RemoteDisplay(DisplayOptions options) {
        this.options = options;
        layers.put(0, new Layer(false, options.maxLayerPixels()));
    }

    public FrameLog frames() {
        return frames;
    }

    /**
     * Applies one instruction received at {@code nanoTime}; instructions that do not draw are
     * ignored. Returns true when it was a {@code sync} that completed a frame.
     *
     * @throws GuacamoleProtocolException for malformed drawing instructions, an image type that
     *     was not advertised, an image that does not decode, or a stream or layer over its limit
     */
    public synchronized boolean apply(Instruction instruction, long nanoTime) {
        try {
            return applyChecked(instruction, nanoTime);
        } catch (IllegalArgumentException e) {
            throw new GuacamoleProtocolException("\"" + instruction.opcode() + "\": " + e.getMessage());
        }
    }

    private boolean applyChecked(Instruction instruction, long nanoTime) {
        switch (instruction.opcode()) {
            case "size" -> layer(instruction.intArg(0)).resize(instruction.intArg(1), instruction.intArg(2));
            case "rect" -> layer(instruction.intArg(0)).addRect(instruction.intArg(1), instruction.intArg(2),
                    instruction.intArg(3), instruction.intArg(4));
            case "cfill" -> {
                int layer = instruction.intArg(1);
                layer(layer).fillPath(instruction.intArg(0), new Color(channel(instruction, 2),
                        channel(instruction, 3), channel(instruction, 4), channel(instruction, 5)));
                drewOn(layer);
            }
            case "img" -> startImage(instruction);
            case "blob" -> appendBlob(instruction);
            case "end" -> endStream(instruction.intArg(0));
            case "copy" -> copy(instruction);
            case "transfer" -> transfer(instruction);
            case "dispose" -> {
                int layer = instruction.intArg(0);
                if (layer != 0) {
                    layers.remove(layer);
                }
            }
            case "sync" -> {
                int framesAtSource = instruction.args().size() > 1 ? instruction.intArg(1) : 0;
                boolean frame = drewSinceSync;
                drewSinceSync = false;
                frames.recordSync(nanoTime, frame, framesAtSource);
                return frame;
            }
            default -> {
                // Not drawing (name, mouse, cursor, set, move, shade, audio, ...).
            }
        }
        return false;
    }

    /** The screen (layer 0) now; a transparent 1×1 image before the server has sized it. */
    public synchronized BufferedImage snapshot() {
        Layer screen = layers.get(0);
        if (screen.image() == null) {
            return new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        }
        return screen.copyOf(0, 0, screen.width(), screen.height());
    }

    public synchronized int width() {
        return layers.get(0).width();
    }

    public synchronized int height() {
        return layers.get(0).height();
    }

    /** Image streams completed, by MIME type. */
    public synchronized Map<String, Long> imagesByType() {
        return Map.copyOf(imagesByType);
    }

    /** Bytes of image data received (after base64). */
    public synchronized long imageBytes() {
        return imageBytes;
    }

    private Layer layer(int index) {
        return layers.computeIfAbsent(index, i -> new Layer(i < 0, options.maxLayerPixels()));
    }

    private void drewOn(int layer) {
        if (layer >= 0) {
            drewSinceSync = true;
        }
    }

    private static int channel(Instruction instruction, int index) {
        int value = instruction.intArg(index);
        if (value < 0 || value > 255) {
            throw new IllegalArgumentException("colour component " + value + " is not in 0..255");
        }
        return value;
    }

    private void startImage(Instruction instruction) {
        int stream = instruction.intArg(0);
        String mimetype = instruction.arg(3);
        Set<String> accepted = options.decodeImages() ? IMAGE_TYPES : COUNTED_IMAGE_TYPES;
        if (!accepted.contains(mimetype)) {
            throw new IllegalArgumentException("image type " + mimetype + " was not advertised (GUAC_IMAGE: "
                    + String.join(", ", new java.util.TreeSet<>(accepted)) + ")");
        }
        streams.put(stream, new ImageStream(instruction.intArg(2), instruction.intArg(1), mimetype,
                instruction.intArg(4), instruction.intArg(5), options.maxImageBytes(), options.decodeImages()));
    }

    private void appendBlob(Instruction instruction) {
        ImageStream stream = streams.get(instruction.intArg(0));
        if (stream == null) {
            return; // a stream this display does not read (audio, clipboard, files)
        }
        if (!stream.append(instruction.arg(1))) {
            streams.remove(instruction.intArg(0));
            throw new IllegalArgumentException("image stream " + instruction.arg(0) + " exceeds the limit of "
                    + options.maxImageBytes() + " bytes");
        }
    }

    private void endStream(int index) {
        ImageStream stream = streams.remove(index);
        if (stream == null) {
            return;
        }
        imagesByType.merge(stream.mimetype, 1L, Long::sum);
        imageBytes += stream.size();
        if (options.decodeImages()) {
            layer(stream.layer).draw(stream.channelMask, decode(stream), stream.x, stream.y);
        }
        drewOn(stream.layer);
    }

    private static BufferedImage decode(ImageStream stream) {
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(stream.bytes()));
        } catch (IOException e) {
            throw new IllegalArgumentException("a " + stream.mimetype + " image does not decode: " + e.getMessage());
        }
        if (image == null) {
            throw new IllegalArgumentException("a " + stream.mimetype + " image of " + stream.size()
                    + " bytes is not an image ImageIO can read");
        }
        return image;
    }

    private void copy(Instruction instruction) {
        Layer source = layer(instruction.intArg(0));
        int destination = instruction.intArg(6);
        BufferedImage region = source.copyOf(instruction.intArg(1), instruction.intArg(2),
                instruction.intArg(3), instruction.intArg(4));
        if (region != null) {
            layer(destination).draw(instruction.intArg(5), region, instruction.intArg(7), instruction.intArg(8));
        }
        drewOn(destination);
    }

    private void transfer(Instruction instruction) {
        int function = instruction.intArg(5);
        if (function == TransferFunction.DEST) {
            return;
        }
        Layer source = layer(instruction.intArg(0));
        int destination = instruction.intArg(6);
        BufferedImage region = source.copyOf(instruction.intArg(1), instruction.intArg(2),
                instruction.intArg(3), instruction.intArg(4));
        if (region != null) {
            layer(destination).transfer(region, function, instruction.intArg(7), instruction.intArg(8));
        }
        drewOn(destination);
    }
}
