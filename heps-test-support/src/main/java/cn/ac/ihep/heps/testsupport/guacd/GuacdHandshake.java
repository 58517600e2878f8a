package cn.ac.ihep.heps.testsupport.guacd;

import java.util.List;
import java.util.Map;

/**
 * What a client sent guacd during one handshake.
 *
 * @param protocol the argument of {@code select}
 * @param parameters every announced parameter with the value the client sent for it, in
 *     guacd's order (an empty string when the client left it unset)
 * @param clientVersion the version the client put first in {@code connect}, or null
 * @param size the arguments of {@code size} (width, height, dpi)
 * @param timezone the argument of {@code timezone}, or null when not sent
 * @param name the argument of {@code name}, or null when not sent
 * @param connectionId the {@code $…} id in guacd's {@code ready}: a new one, or the joined one
 */
public record GuacdHandshake(
        String protocol,
        Map<String, String> parameters,
        String clientVersion,
        List<String> size,
        List<String> audioMimetypes,
        List<String> videoMimetypes,
        List<String> imageMimetypes,
        String timezone,
        String name,
        String connectionId) {

    public GuacdHandshake {
        parameters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(parameters));
        size = List.copyOf(size);
        audioMimetypes = List.copyOf(audioMimetypes);
        videoMimetypes = List.copyOf(videoMimetypes);
        imageMimetypes = List.copyOf(imageMimetypes);
    }

    /** The parameters the client gave a non-empty value. */
    public Map<String, String> setParameters() {
        Map<String, String> set = new java.util.LinkedHashMap<>();
        parameters.forEach((key, value) -> {
            if (!value.isEmpty()) {
                set.put(key, value);
            }
        });
        return set;
    }
}
