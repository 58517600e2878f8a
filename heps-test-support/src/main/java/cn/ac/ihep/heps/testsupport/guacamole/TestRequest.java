package cn.ac.ihep.heps.testsupport.guacamole;

import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.servlet.http.HttpServletRequest;

/**
 * An HTTP request as Guacamole's REST API hands it to {@code Credentials}: query/form
 * parameters, headers, the client address and request attributes. Built with {@link #builder()};
 * {@link #toServletRequest()} gives the servlet-api 2.5 view. Anything a provider asks for
 * beyond that fails loudly instead of answering something made up.
 */
public final class TestRequest {

    private final Map<String, List<String>> parameters;
    private final Map<String, List<String>> headers;
    private final String remoteAddress;

    private TestRequest(Builder builder) {
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(builder.parameters));
        this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(builder.headers));
        this.remoteAddress = builder.remoteAddress;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A request carrying one query parameter, from 127.0.0.1. */
    public static TestRequest withParameter(String name, String value) {
        return builder().parameter(name, value).build();
    }

    public String remoteAddress() {
        return remoteAddress;
    }

    /** A fresh servlet request (attributes are per request). */
    public HttpServletRequest toServletRequest() {
        Map<String, Object> attributes = new ConcurrentHashMap<>();
        return (HttpServletRequest) Proxy.newProxyInstance(HttpServletRequest.class.getClassLoader(),
                new Class<?>[] { HttpServletRequest.class }, (proxy, method, args) -> {
                    String arg = args != null && args.length > 0 && args[0] instanceof String s ? s : null;
                    switch (method.getName()) {
                        case "getParameter": return first(parameters, arg);
                        case "getParameterValues": {
                            List<String> values = parameters.get(arg);
                            return values == null ? null : values.toArray(String[]::new);
                        }
                        case "getParameterNames": return Collections.enumeration(parameters.keySet());
                        case "getParameterMap": {
                            Map<String, String[]> map = new HashMap<>();
                            parameters.forEach((k, v) -> map.put(k, v.toArray(String[]::new)));
                            return map;
                        }
                        case "getHeader": return first(lowerCaseKeys(headers), arg == null ? null : arg.toLowerCase());
                        case "getHeaders": return Collections.enumeration(
                                lowerCaseKeys(headers).getOrDefault(arg == null ? "" : arg.toLowerCase(), List.of()));
                        case "getHeaderNames": return Collections.enumeration(headers.keySet());
                        case "getRemoteAddr":
                        case "getRemoteHost": return remoteAddress;
                        case "getSession": return null;
                        case "getCookies": return null;
                        case "getMethod": return "POST";
                        case "getScheme": return "https";
                        case "isSecure": return true;
                        case "getContextPath": return "/guacamole";
                        case "getRequestURI": return "/guacamole/api/tokens";
                        case "getAttribute": return arg == null ? null : attributes.get(arg);
                        case "getAttributeNames": return Collections.enumeration(attributes.keySet());
                        case "setAttribute":
                            if (args[1] == null) attributes.remove(arg); else attributes.put(arg, args[1]);
                            return null;
                        case "removeAttribute": attributes.remove(arg); return null;
                        case "toString": return "TestRequest" + parameters.keySet() + " from " + remoteAddress;
                        case "hashCode": return System.identityHashCode(proxy);
                        case "equals": return proxy == args[0];
                        default:
                            throw new UnsupportedOperationException("TestRequest does not model " + method.getName());
                    }
                });
    }

    private static String first(Map<String, List<String>> map, String key) {
        List<String> values = key == null ? null : map.get(key);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static Map<String, List<String>> lowerCaseKeys(Map<String, List<String>> map) {
        Map<String, List<String>> lower = new HashMap<>();
        map.forEach((k, v) -> lower.put(k.toLowerCase(), v));
        return lower;
    }

    public static final class Builder {
        private final Map<String, List<String>> parameters = new LinkedHashMap<>();
        private final Map<String, List<String>> headers = new LinkedHashMap<>();
        private String remoteAddress = "127.0.0.1";

        public Builder parameter(String name, String value) {
            parameters.put(name, List.of(value));
            return this;
        }

        public Builder header(String name, String value) {
            headers.put(name, List.of(value));
            return this;
        }

        public Builder remoteAddress(String address) {
            this.remoteAddress = address;
            return this;
        }

        public TestRequest build() {
            return new TestRequest(this);
        }
    }
}
