package cn.ac.ihep.heps.testsupport.guacamole;

import java.util.List;
import org.apache.guacamole.net.auth.AuthenticatedUser;
import org.apache.guacamole.net.auth.Credentials;
import org.apache.guacamole.net.auth.UserContext;

/**
 * The outcome of a successful login: the user the first willing provider authenticated, and the
 * user contexts every provider gave for that user (providers answering {@code null} omitted),
 * each decorated by every provider in order, as Guacamole's AuthenticationService does.
 */
public record Login(Credentials credentials, AuthenticatedUser user, List<UserContext> userContexts) {
}
