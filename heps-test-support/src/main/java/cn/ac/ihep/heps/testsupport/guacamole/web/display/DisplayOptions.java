package cn.ac.ihep.heps.testsupport.guacamole.web.display;

/**
 * Limits and behaviour of a {@link RemoteDisplay}.
 *
 * @param decodeImages decode and draw every image (true), or only count them (false: a
 *     benchmark that measures the server, not the client's PNG decoder)
 * @param maxImageBytes the most one image stream may carry once base64 is decoded
 * @param maxLayerPixels the largest layer or buffer, in pixels
 */
public record DisplayOptions(boolean decodeImages, int maxImageBytes, int maxLayerPixels) {

    /** An image larger than an uncompressed 8K frame is not a desktop's. */
    public static final int DEFAULT_MAX_IMAGE_BYTES = 7680 * 4320 * 4;
    public static final int DEFAULT_MAX_LAYER_PIXELS = 7680 * 4320;

    public DisplayOptions {
        if (maxImageBytes < 1 || maxLayerPixels < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    public static DisplayOptions defaults() {
        return new DisplayOptions(true, DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_LAYER_PIXELS);
    }

    /** Frames are counted, images are not decoded. */
    public static DisplayOptions countingOnly() {
        return new DisplayOptions(false, DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_LAYER_PIXELS);
    }

    public DisplayOptions withMaxImageBytes(int bytes) {
        return new DisplayOptions(decodeImages, bytes, maxLayerPixels);
    }
}
