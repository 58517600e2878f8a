package cn.ac.ihep.heps.bench.guest;

import java.util.regex.Pattern;

/**
 * A point of a desktop guest's boot that its serial console shows, in boot order. systemd
 * shortens unit descriptions on the console, so the patterns match the start of a unit's name.
 */
enum BootMilestone {
    BOOT_LOADER("GRUB shows", "GNU GRUB"),
    KERNEL("kernel starts", "\\] Linux version "),
    SYSTEMD("systemd starts", "Welcome to "),
    CLOUD_INIT_LOCAL("cloud-init-local starts", "Starting cloud-init-local"),
    CLOUD_INIT_LOCAL_RUNNING("cloud-init-local's Python runs", "running 'init-local'"),
    NETWORK("network up", "Finished networking\\.service"),
    CLOUD_INIT_RUNNING("cloud-init's Python runs", "running 'init' at"),
    CLOUD_INIT_DONE("cloud-init init stage done", "Finished cloud-init\\.servic"),
    DISPLAY_MANAGER("LightDM started", "Started lightdm\\.service");

    final String label;
    private final Pattern pattern;

    BootMilestone(String label, String regex) {
        this.label = label;
        this.pattern = Pattern.compile(regex);
    }

    boolean seenIn(String consoleLine) {
        return pattern.matcher(consoleLine).find();
    }
}
