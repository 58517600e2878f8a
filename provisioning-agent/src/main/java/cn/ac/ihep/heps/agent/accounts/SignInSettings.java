package cn.ac.ihep.heps.agent.accounts;

import java.time.Duration;

/**
 * RDP single sign-on as the agent's configuration sets it: whether the agent owns the passwords
 * of the AD accounts it creates ({@code sso-enabled}), how old one may get before it is changed
 * ({@code sso-password-max-age}), and the domain the Guacamole nodes sign in to
 * ({@code ad-domain}, else the UPN suffix).
 */
public record SignInSettings(boolean enabled, Duration maxAge, String domain) {

    /** A password handed out this recently is not changed yet: its session may not be reported. */
    public static final Duration HAND_OUT_GRACE = Duration.ofMinutes(1);
}
