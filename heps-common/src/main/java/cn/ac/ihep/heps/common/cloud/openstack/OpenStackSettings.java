package cn.ac.ihep.heps.common.cloud.openstack;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * How the provider talks to OpenStack.
 *
 * @param computeMicroversion sent as {@code OpenStack-API-Version: compute <version>} on every
 *     call; 2.26 or later (tag filters), before 2.47 (openstack4j reads the flavor id, which
 *     later versions replace by an embedded flavor)
 * @param connectTimeout to open a connection
 * @param readTimeout to wait for an answer
 * @param tokenRenewalMargin renew the shared token this long before Keystone expires it
 */
public record OpenStackSettings(
        OpenStackCredentials credentials,
        String computeMicroversion,
        Duration connectTimeout,
        Duration readTimeout,
        Duration tokenRenewalMargin) {

    public static final String DEFAULT_COMPUTE_MICROVERSION = "2.37";

    private static final Pattern MICROVERSION = Pattern.compile("2\\.(\\d+)");

    public OpenStackSettings {
        var matcher = MICROVERSION.matcher(computeMicroversion);
        if (!matcher.matches() || Integer.parseInt(matcher.group(1)) < 26 || Integer.parseInt(matcher.group(1)) > 46) {
            throw new IllegalArgumentException("Compute microversion must be 2.26 to 2.46, not " + computeMicroversion);
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero() || readTimeout.isNegative() || readTimeout.isZero()) {
            throw new IllegalArgumentException("Timeouts must be positive");
        }
    }

    public static OpenStackSettings defaults(OpenStackCredentials credentials) {
        return new OpenStackSettings(credentials, DEFAULT_COMPUTE_MICROVERSION, Duration.ofSeconds(5),
                Duration.ofSeconds(30), Duration.ofMinutes(5));
    }

    public OpenStackSettings withTimeouts(Duration connect, Duration read) {
        return new OpenStackSettings(credentials, computeMicroversion, connect, read, tokenRenewalMargin);
    }
}
