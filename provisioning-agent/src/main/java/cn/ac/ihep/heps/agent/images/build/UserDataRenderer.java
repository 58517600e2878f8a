package cn.ac.ihep.heps.agent.images.build;

import cn.ac.ihep.heps.agent.images.recipe.OsFamily;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Renders the user data that makes a guest run a {@link GuestPlan} and report with a {@link BuildSignal}. */
public interface UserDataRenderer {

    /** Nova refuses user data whose base64 form is longer than this. */
    int NOVA_USER_DATA_LIMIT = 65535;

    String render(GuestPlan plan);

    static UserDataRenderer forOs(OsFamily os) {
        return os == OsFamily.WINDOWS ? new CloudbaseInitUserData() : new CloudInitUserData();
    }

    /** Renders and checks the result fits in Nova's user-data limit. */
    static String renderChecked(GuestPlan plan) {
        String userData = forOs(plan.os()).render(plan);
        int encoded = Base64.getEncoder().encode(userData.getBytes(StandardCharsets.UTF_8)).length;
        if (encoded > NOVA_USER_DATA_LIMIT) {
            throw new IllegalArgumentException("The user data for " + plan.beamline() + " is " + encoded
                    + " bytes in base64, more than Nova's " + NOVA_USER_DATA_LIMIT + ": move long scripts into files in the artifact store");
        }
        return userData;
    }
}
