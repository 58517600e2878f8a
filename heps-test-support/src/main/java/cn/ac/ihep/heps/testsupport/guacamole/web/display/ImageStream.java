package cn.ac.ihep.heps.testsupport.guacamole.web.display;

import java.io.ByteArrayOutputStream;
import java.util.Base64;

/** An {@code img} stream being received: where it goes and the bytes of its blobs so far. */
final class ImageStream {
    final int layer;
    final int channelMask;
    final String mimetype;
    final int x;
    final int y;
    private final int maxBytes;
    private final boolean keepBytes;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private long size;

    ImageStream(int layer, int channelMask, String mimetype, int x, int y, int maxBytes, boolean keepBytes) {
        this.layer = layer;
        this.channelMask = channelMask;
        this.mimetype = mimetype;
        this.x = x;
        this.y = y;
        this.maxBytes = maxBytes;
        this.keepBytes = keepBytes;
    }

    /** Adds a blob; false when the stream would exceed its limit. */
    boolean append(String base64) {
        if (!keepBytes) {
            // Counting only: the decoded length, without decoding.
            size += decodedLength(base64);
            return size <= maxBytes;
        }
        byte[] data;
        try {
            data = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("A blob of an image stream is not base64: " + e.getMessage());
        }
        size += data.length;
        if (size > maxBytes) {
            return false;
        }
        bytes.write(data, 0, data.length);
        return true;
    }

    static long decodedLength(String base64) {
        int length = base64.length();
        int padding = length > 0 && base64.charAt(length - 1) == '=' ? (length > 1 && base64.charAt(length - 2) == '=' ? 2 : 1) : 0;
        return (long) length / 4 * 3 - padding;
    }

    long size() {
        return size;
    }

    byte[] bytes() {
        return bytes.toByteArray();
    }
}
