package cn.ac.ihep.heps.agent.images.build;

/**
 * An OpenStack application credential a builder VM uses to set its {@code heps.build-result}
 * metadata through the Compute API, for clouds whose console log the guest cannot write (or
 * that do not keep one). Create it with an access rule that allows only
 * {@code PUT /v2.1/servers/*}{@code /metadata/heps.build-result} on the compute service.
 * The build scrubs it from the guest before the snapshot.
 */
public record SignalCredential(String authUrl, String computeUrl, String id, String secret) {

    @Override
    public String toString() {
        return "SignalCredential[authUrl=" + authUrl + ", computeUrl=" + computeUrl + ", id=" + id + ", secret=***]";
    }
}
