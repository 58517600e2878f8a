package cn.ac.ihep.heps.testsupport.guacamole;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Loads an extension the way Guacamole 1.6.0 does: a {@link URLClassLoader} whose parent is
 * {@code null} (so the JDK's bootstrap classes come first), over the extension jar and every
 * {@code .jar} found at the root of it (copied to a temporary directory), and only when a class
 * is found in none of those, the web application's class loader.
 */
public final class ExtensionClassLoader extends URLClassLoader {

    private final ClassLoader webApplication;
    private final Path bundledLibraries;

    private ExtensionClassLoader(URL[] urls, ClassLoader webApplication, Path bundledLibraries) {
        super(urls, null);
        this.webApplication = webApplication;
        this.bundledLibraries = bundledLibraries;
    }

    /** Opens {@code extensionJar}, copying the jars bundled at its root to a temporary directory. */
    public static ExtensionClassLoader open(Path extensionJar, ClassLoader webApplication) throws IOException {
        Path libraries = Files.createTempDirectory("guac-extension-lib-");
        List<URL> urls = new ArrayList<>();
        urls.add(extensionJar.toUri().toURL());
        try (JarFile jar = new JarFile(extensionJar.toFile())) {
            Enumeration<JarEntry> entries = jar.entries();
            while (entries.hasMoreElements()) {
                JarEntry entry = entries.nextElement();
                String name = entry.getName();
                // Only jars directly at the root count, as in Guacamole.
                if (entry.isDirectory() || !name.endsWith(".jar") || name.indexOf('/') != -1)
                    continue;
                Path copy = Files.createTempFile(libraries, "bundled-", ".jar");
                try (InputStream in = jar.getInputStream(entry)) {
                    Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
                }
                urls.add(copy.toUri().toURL());
            }
        }
        return new ExtensionClassLoader(urls.toArray(URL[]::new), webApplication, libraries);
    }

    /** Number of jars on this loader's own path: the extension plus its bundled libraries. */
    public int bundledLibraryCount() {
        return getURLs().length - 1;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        try {
            return super.findClass(name);
        }
        catch (ClassNotFoundException notInExtension) {
            return webApplication.loadClass(name);
        }
    }

    @Override
    public void close() throws IOException {
        super.close();
        try (Stream<Path> files = Files.walk(bundledLibraries)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                }
                catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
