package cn.ac.ihep.heps.testsupport.guacamole;

import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * Stands in for the Guacamole web application's class loader: the JDK plus the libraries the
 * web application offers every extension (guacamole-ext, guacamole-common, servlet-api, slf4j,
 * Jackson, Guava, ipaddress, logback), taken from the test classpath, and nothing else.
 *
 * <p>Everything else on the test classpath (the extension's own classes, its bundled libraries,
 * Guice) stays invisible, so a class the extension jar forgot to bundle fails to load here as
 * it would in Guacamole. Guice and javax.inject are deliberately left out: Guacamole 1.6.0
 * extensions bundle their own Guice.
 */
public final class WebApplicationClassLoader extends ClassLoader {

    /** Package prefixes, as resource paths, that the web application offers to extensions. */
    public static final List<String> WEB_APPLICATION_PACKAGES = List.of(
            "org/apache/guacamole/",
            "javax/servlet/",
            "org/slf4j/",
            "ch/qos/logback/",
            "com/fasterxml/jackson/",
            "com/google/common/",
            "inet/ipaddr/");

    private final ClassLoader classpath;

    public WebApplicationClassLoader(ClassLoader classpath) {
        super("guacamole-webapp", ClassLoader.getPlatformClassLoader());
        this.classpath = classpath;
    }

    static boolean offered(String resourcePath) {
        for (String prefix : WEB_APPLICATION_PACKAGES)
            if (resourcePath.startsWith(prefix))
                return true;
        return false;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        if (!offered(name.replace('.', '/')))
            throw new ClassNotFoundException(name + " is not offered to extensions by the web application");
        return classpath.loadClass(name);
    }

    @Override
    protected URL findResource(String name) {
        return offered(name) ? classpath.getResource(name) : null;
    }

    @Override
    protected Enumeration<URL> findResources(String name) throws IOException {
        return offered(name) ? classpath.getResources(name) : Collections.emptyEnumeration();
    }
}
