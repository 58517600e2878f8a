package cn.ac.ihep.heps.guacamole.resolver.connection;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How guacd checks a Windows desktop's RDP certificate: trust it the first time and pin it
 * ({@code cert-tofu}), accept only listed fingerprints, or ignore it.
 */
public final class CertificatePolicy {

    private final Map<String, String> parameters;

    private CertificatePolicy(Map<String, String> parameters) {
        this.parameters = Map.copyOf(parameters);
    }

    public static CertificatePolicy trustOnFirstUse() {
        return new CertificatePolicy(Map.of("cert-tofu", "true"));
    }

    public static CertificatePolicy ignore() {
        return new CertificatePolicy(Map.of("ignore-cert", "true"));
    }

    public static CertificatePolicy fingerprints(String commaSeparated) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("cert-fingerprints", commaSeparated.replace(" ", ""));
        return new CertificatePolicy(parameters);
    }

    /** The guacd RDP parameters that express this policy. */
    public Map<String, String> parameters() {
        return parameters;
    }

    @Override
    public String toString() {
        return parameters.toString();
    }
}
