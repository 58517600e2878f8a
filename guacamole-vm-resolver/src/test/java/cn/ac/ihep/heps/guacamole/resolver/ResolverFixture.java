package cn.ac.ihep.heps.guacamole.resolver;

import org.apache.guacamole.GuacamoleException;

/** The resolver's provider over a given cloud and configuration, with its first listing done. */
public final class ResolverFixture implements AutoCloseable {

    private final VmResolverAuthenticationProvider provider;

    private ResolverFixture(VmResolverAuthenticationProvider provider) {
        this.provider = provider;
    }

    public static ResolverFixture start(cn.ac.ihep.heps.common.cloud.CloudProvider cloud,
            PropertiesEnvironment environment) throws GuacamoleException {
        return new ResolverFixture(new VmResolverAuthenticationProvider(environment, cloud));
    }

    /** The same on a clock the test moves. */
    public static ResolverFixture start(cn.ac.ihep.heps.common.cloud.CloudProvider cloud,
            PropertiesEnvironment environment, java.time.Clock clock) throws GuacamoleException {
        return new ResolverFixture(new VmResolverAuthenticationProvider(environment, cloud, clock));
    }

    /** One of the resolver's services, as its injector made it. */
    public <T> T service(Class<T> type) {
        return provider.injector().getInstance(type);
    }

    public VmResolverAuthenticationProvider provider() {
        return provider;
    }

    @Override
    public void close() {
        provider.shutdown();
    }
}
