package cn.ac.ihep.heps.agent.desktop;

import java.util.Optional;

/** A server's fixed address on the VM network, as the cloud reports it now; empty while it has none. */
@FunctionalInterface
public interface ServerAddresses {
    /** Never asks anything: for agents that check no addresses, and for tests. */
    ServerAddresses NONE = serverId -> Optional.empty();

    Optional<String> fixedAddressOf(String serverId);
}
