package cn.ac.ihep.heps.testsupport.guacamole;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The parts of {@code guac-manifest.json} the harness acts on. Unknown fields (css, js, html,
 * resources, icons) are accepted and ignored, as Guacamole ignores what it does not serve.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ExtensionManifest(
        String guacamoleVersion,
        String name,
        String namespace,
        List<String> authProviders,
        List<String> listeners,
        List<String> translations) {

    public List<String> authProviders() {
        return authProviders == null ? List.of() : authProviders;
    }

    public List<String> listeners() {
        return listeners == null ? List.of() : listeners;
    }

    public List<String> translations() {
        return translations == null ? List.of() : translations;
    }
}
