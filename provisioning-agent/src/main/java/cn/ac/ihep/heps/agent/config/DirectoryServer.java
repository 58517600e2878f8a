package cn.ac.ihep.heps.agent.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where and as whom the agent writes one directory's accounts and groups: the server, the
 * bind identity, the subtrees for accounts and for groups, the CA to trust and the timeout.
 * {@link #toString()} never shows the password.
 */
public record DirectoryServer(URI url, String bindDn, String bindPassword, String accountsDn, String groupsDn,
        Optional<Path> caFile, Duration timeout) {

    @Override
    public String toString() {
        return "DirectoryServer[url=" + url + ", bindDn=" + bindDn + ", accountsDn=" + accountsDn + ", groupsDn="
                + groupsDn + ", caFile=" + caFile.map(Path::toString).orElse("-") + ", timeout=" + timeout + "]";
    }
}
