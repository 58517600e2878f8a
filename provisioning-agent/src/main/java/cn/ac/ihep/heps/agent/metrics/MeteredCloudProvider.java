package cn.ac.ihep.heps.agent.metrics;

import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudUnavailableException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.function.Supplier;

/** Wraps a {@link CloudProvider} so that every failed call counts in {@code heps_openstack_errors_total}. */
public final class MeteredCloudProvider {
    private MeteredCloudProvider() {
    }

    public static CloudProvider wrap(CloudProvider delegate, AgentMetrics metrics) {
        return wrap(() -> delegate, metrics);
    }

    /**
     * Wraps a provider that is made on first use, so that commands which never touch the
     * cloud (listing experiments, say) work without OpenStack credentials.
     */
    public static CloudProvider wrap(Supplier<CloudProvider> factory, AgentMetrics metrics) {
        Supplier<CloudProvider> once = new Supplier<>() {
            private CloudProvider made;

            @Override
            public synchronized CloudProvider get() {
                if (made == null) {
                    made = factory.get();
                }
                return made;
            }
        };
        return (CloudProvider) Proxy.newProxyInstance(CloudProvider.class.getClassLoader(),
                new Class<?>[] {CloudProvider.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return method.getName().equals("toString") ? "metered cloud provider"
                                : method.getName().equals("hashCode") ? System.identityHashCode(proxy)
                                : Boolean.valueOf(proxy == args[0]);
                    }
                    CloudProvider delegate = once.get();
                    try {
                        return method.invoke(delegate, args);
                    } catch (InvocationTargetException e) {
                        Throwable cause = e.getCause();
                        if (cause instanceof CloudNotFoundException) {
                            metrics.openStackError(method.getName(), "not_found");
                        } else if (cause instanceof CloudUnavailableException) {
                            metrics.openStackError(method.getName(), "unavailable");
                        } else if (cause instanceof CloudException) {
                            metrics.openStackError(method.getName(), "refused");
                        } else {
                            metrics.openStackError(method.getName(), "other");
                        }
                        throw cause;
                    }
                });
    }
}
