package cn.ac.ihep.heps.testsupport.guacamole.web.tunnel;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What Guacamole's front end puts in the WebSocket tunnel's query string to open a connection
 * ({@code ManagedClient.getConnectString} in guacamole 1.6.0): the session token, the data
 * source and identifier of the connection, the type ({@code c} for a connection), the display
 * size and DPI, and the image types the client can draw. No audio or video is advertised.
 */
public record TunnelParameters(String dataSource, String identifier, String type, int width, int height, int dpi,
        List<String> imageTypes, String timezone) {

    public static final String CONNECTION = "c";
    public static final String CONNECTION_GROUP = "g";

    public TunnelParameters {
        imageTypes = List.copyOf(imageTypes);
        if (width < 1 || height < 1 || dpi < 1) {
            throw new IllegalArgumentException("width, height and dpi must be positive");
        }
    }

    /** A connection at 1920×1080 and 96 DPI, drawing PNG and JPEG (never WebP). */
    public static TunnelParameters connection(String dataSource, String identifier) {
        return new TunnelParameters(dataSource, identifier, CONNECTION, 1920, 1080, 96,
                List.of("image/png", "image/jpeg"), null);
    }

    public TunnelParameters withSize(int newWidth, int newHeight) {
        return new TunnelParameters(dataSource, identifier, type, newWidth, newHeight, dpi, imageTypes, timezone);
    }

    public TunnelParameters withIdentifier(String newIdentifier) {
        return new TunnelParameters(dataSource, newIdentifier, type, width, height, dpi, imageTypes, timezone);
    }

    /** The same connection, advertising these image types (a browser adds image/webp). */
    public TunnelParameters withImageTypes(List<String> newImageTypes) {
        return new TunnelParameters(dataSource, identifier, type, width, height, dpi, newImageTypes, timezone);
    }

    public TunnelParameters withTimezone(String newTimezone) {
        return new TunnelParameters(dataSource, identifier, type, width, height, dpi, imageTypes, newTimezone);
    }

    /** The query string, in the order the front end writes it. */
    public String query(String authToken) {
        StringBuilder query = new StringBuilder()
                .append("token=").append(encode(authToken))
                .append("&GUAC_DATA_SOURCE=").append(encode(dataSource))
                .append("&GUAC_ID=").append(encode(identifier))
                .append("&GUAC_TYPE=").append(encode(type))
                .append("&GUAC_WIDTH=").append(width)
                .append("&GUAC_HEIGHT=").append(height)
                .append("&GUAC_DPI=").append(dpi);
        if (timezone != null) {
            query.append("&GUAC_TIMEZONE=").append(encode(timezone));
        }
        for (String imageType : imageTypes) {
            query.append("&GUAC_IMAGE=").append(encode(imageType));
        }
        return query.toString();
    }

    private static String encode(String value) {
        // encodeURIComponent, as the front end uses: a space is %20, not '+'.
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
