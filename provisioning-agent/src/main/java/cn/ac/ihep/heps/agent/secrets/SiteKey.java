package cn.ac.ihep.heps.agent.secrets;

import cn.ac.ihep.heps.agent.config.ConfigurationException;
import cn.ac.ihep.heps.agent.store.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The site key file: 32 random bytes (AES-256), base64 on one line, that seal the secrets the
 * agent keeps in its database ({@link SecretBox}). Created 0600 when it does not exist, never
 * readable by anyone else: a key file that group or others may read is refused. Every agent of a
 * site uses the same file; losing it loses nothing but the sealed values, which the agent then
 * replaces (it owns them).
 */
public final class SiteKey {
    private static final int KEY_BYTES = 32;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final SecretKey key;

    private SiteKey(byte[] bytes) {
        this.key = new SecretKeySpec(bytes, "AES");
    }

    SecretKey key() {
        return key;
    }

    /** The key in {@code file}, made first (with its directory, 0700) when the file does not exist. */
    public static SiteKey loadOrCreate(Path file) {
        if (!Files.exists(file)) {
            create(file);
        }
        return load(file);
    }

    private static void create(Path file) {
        Path directory = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(directory)) {
            PrivateFiles.directory(directory);
        }
        byte[] bytes = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(bytes);
        Path temporary = directory.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.deleteIfExists(temporary);
            try {
                Files.createFile(temporary, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (UnsupportedOperationException e) {
                Files.createFile(temporary);
            }
            Files.writeString(temporary, Base64.getEncoder().encodeToString(bytes) + "\n", StandardCharsets.US_ASCII);
            try {
                // A hard link fails when the name exists: of two agents starting at once, one key wins.
                Files.createLink(file, temporary);
            } catch (FileAlreadyExistsException e) {
                // Another process made it first: use theirs.
            }
        } catch (IOException e) {
            throw new ConfigurationException("Cannot create the site key file " + file + " (sso-key-file): "
                    + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException e) {
                // Left behind; it is 0600.
            }
        }
    }

    static SiteKey load(Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.stream().anyMatch(OTHERS::contains)) {
                throw new ConfigurationException("The site key file " + file + " (sso-key-file) may be read or "
                        + "changed by others (mode " + PosixFilePermissions.toString(permissions) + "): chmod 600 it");
            }
        } catch (UnsupportedOperationException e) {
            // No POSIX permissions here; PrivateFiles warns about the home already.
        } catch (IOException e) {
            throw new ConfigurationException("Cannot read the site key file " + file + ": " + e.getMessage());
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
        } catch (IOException e) {
            throw new ConfigurationException("Cannot read the site key file " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("The site key file " + file + " is not one line of base64: "
                    + "restore it from the backup, or remove it to make a new key (the agent then replaces the "
                    + "passwords it sealed)");
        }
        if (bytes.length != KEY_BYTES) {
            throw new ConfigurationException("The site key file " + file + " holds " + bytes.length
                    + " bytes; it must hold " + KEY_BYTES + " (AES-256)");
        }
        return new SiteKey(bytes);
    }
}
