package cn.ac.ihep.heps.auth.token.keys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.PublicKey;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys from a JWKS file ({@code heps-jwt-keys}), re-read whenever the file's modification time
 * or size changes, so a new key can be added (and an old one removed) without a restart. If a
 * changed file cannot be read or parsed, the last good keys stay in use.
 */
public final class JwksFileKeySource implements KeySource {

    private static final Logger logger = LoggerFactory.getLogger(JwksFileKeySource.class);
    private static final int MAXIMUM_KEYS = 100;

    private record Loaded(long modified, long size, Map<String, PublicKey> keys) { }

    private final Path file;
    private volatile Loaded loaded = new Loaded(Long.MIN_VALUE, -1, Map.of());

    public JwksFileKeySource(Path file) {
        this.file = file;
        refreshIfChanged();
    }

    @Override
    public Optional<PublicKey> find(String keyId) {
        refreshIfChanged();
        return Optional.ofNullable(loaded.keys().get(keyId));
    }

    private void refreshIfChanged() {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        }
        catch (IOException e) {
            if (loaded.size() != -2)
                logger.warn("JWKS file \"{}\" cannot be read: {}", file, e.getMessage());
            loaded = new Loaded(loaded.modified(), -2, loaded.keys());
            return;
        }
        long modified = attributes.lastModifiedTime().toMillis();
        long size = attributes.size();
        Loaded current = loaded;
        if (current.modified() == modified && current.size() == size)
            return;
        synchronized (this) {
            current = loaded;
            if (current.modified() == modified && current.size() == size)
                return;
            try {
                Map<String, PublicKey> keys = JwksDocument.parse(
                        Files.readString(file, StandardCharsets.UTF_8), "JWKS file \"" + file + "\"", MAXIMUM_KEYS);
                loaded = new Loaded(modified, size, keys);
                logger.info("Read {} key(s) from JWKS file \"{}\": {}", keys.size(), file, keys.keySet());
            }
            catch (IOException | RuntimeException e) {
                logger.warn("JWKS file \"{}\" changed but cannot be used ({}); keeping the previous keys.", file, e.getMessage());
                logger.debug("Reading JWKS file failed.", e);
                loaded = new Loaded(modified, size, current.keys());
            }
        }
    }
}
