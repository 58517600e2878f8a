package cn.ac.ihep.heps.agent.reconcile;

import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Glance images on the OpenStack test bed for the tests that boot desktops from them. */
public final class TestBedImages {
    private TestBedImages() {
    }

    /** A tiny raw image with the given properties, made with the openstack client as the bed's admin. */
    public static String create(OpenStackTestBed bed, String name, Map<String, String> properties) throws Exception {
        Path data = Files.createTempFile("heps-image", ".raw");
        Files.write(data, new byte[1024 * 1024]);
        List<String> command = new ArrayList<>(List.of("openstack", "image", "create", name, "--disk-format", "raw",
                "--container-format", "bare", "--file", data.toString(), "-f", "value", "-c", "id"));
        properties.forEach((k, v) -> command.addAll(List.of("--property", k + "=" + v)));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("OS_CLIENT_CONFIG_FILE", bed.cloudsYaml().toString());
        builder.environment().put("OS_CLOUD", OpenStackTestBed.ADMIN_CLOUD);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes()).trim();
        Files.deleteIfExists(data);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("openstack image create failed: " + output);
        }
        String[] lines = output.split("\n");
        return lines[lines.length - 1].trim();
    }
}
