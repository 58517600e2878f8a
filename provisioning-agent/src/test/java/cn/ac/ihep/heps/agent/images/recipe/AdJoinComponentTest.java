package cn.ac.ihep.heps.agent.images.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.images.RecipeFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's ad-join component, run with bash the way the image build runs it, with
 * {@code /etc} moved into a temporary directory: the sssd configuration it writes takes each
 * user's uidNumber/gidNumber from AD (the numbers the agent assigns in AD and LDAP alike), and
 * its own check accepts it.
 */
class AdJoinComponentTest {

    @TempDir
    Path root;
    private Path etc;

    private Map<String, String> renderedSssdConf() throws Exception {
        Component adJoin = new RecipeLoader(RecipeFixtures.repositoryImages()).load().component("ad-join");
        PlatformRecipe linux = adJoin.platform(OsFamily.LINUX).orElseThrow();
        Step configure = linux.steps().stream().filter(s -> s.name().startsWith("configure sssd")).findFirst()
                .orElseThrow();
        etc = Files.createDirectories(root.resolve("etc"));
        Path bin = Files.createDirectories(root.resolve("bin"));
        Path systemctl = Files.writeString(bin.resolve("systemctl"), "#!/bin/sh\nexit 0\n");
        systemctl.toFile().setExecutable(true);
        run(configure.run().replace("/etc/", etc + "/"));
        run(linux.check().replace("/etc/", etc + "/").replace("command -v adcli", "true"));
        Map<String, String> settings = new LinkedHashMap<>();
        for (String line : Files.readAllLines(etc.resolve("sssd/sssd.conf"), StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("#")) {
                settings.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return settings;
    }

    private void run(String script) throws IOException, InterruptedException {
        Path file = Files.writeString(root.resolve("step.sh"), "set -eu\n" + script);
        ProcessBuilder builder = new ProcessBuilder("bash", file.toString()).redirectErrorStream(true);
        builder.environment().put("DOMAIN", "heps.test");
        builder.environment().put("LOGIN_GROUP", "Domain Users");
        builder.environment().put("PATH", root.resolve("bin") + ":" + System.getenv("PATH"));
        Process process = builder.start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the step did not finish");
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), output);
    }

    @Test
    void sssdUsesTheDirectorysRfc2307NumbersNotIdMapping() throws Exception {
        Map<String, String> sssd = renderedSssdConf();
        assertEquals("false", sssd.get("ldap_id_mapping"));
        assertEquals("uidNumber", sssd.get("ldap_user_uid_number"));
        assertEquals("gidNumber", sssd.get("ldap_user_gid_number"));
        assertEquals("gidNumber", sssd.get("ldap_group_gid_number"));
        assertEquals("ad", sssd.get("id_provider"));
        assertEquals("Domain Users", sssd.get("simple_allow_groups"));
    }

    @Test
    void sssdWaitsForTheJoinsKeytab() throws Exception {
        renderedSssdConf();
        Path dropIn = etc.resolve("systemd/system/sssd.service.d/heps-joined.conf");
        assertEquals(List.of("[Unit]", "ConditionPathExists=" + etc.resolve("krb5.keytab")),
                Files.readAllLines(dropIn, StandardCharsets.UTF_8));
    }
}
