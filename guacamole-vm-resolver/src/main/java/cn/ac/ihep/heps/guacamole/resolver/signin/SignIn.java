package cn.ac.ihep.heps.guacamole.resolver.signin;

/** A desktop owner's AD sign-in as the agent hands it out; lives only as long as one connect. */
public record SignIn(String username, String domain, String password) {

    @Override
    public String toString() {
        return "SignIn[username=" + username + ", domain=" + domain + ", password=(hidden)]";
    }
}
