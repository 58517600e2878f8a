package cn.ac.ihep.heps.agent.reconcile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a desktop's user data from a template per OS ({@code linux.tmpl}, a cloud-config;
 * {@code windows.tmpl}, a cloudbase-init PowerShell script). Placeholders are
 * {@code {{name}}}; a placeholder without a value is an error, so a template typo fails the
 * first desktop instead of booting a half-configured one. A site may override the
 * templates with {@code userdata-template-dir}.
 */
public final class UserDataRenderer {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Za-z]+)}}");

    /**
     * Everything a template can use. {@code enrollmentToken} is null for an RDP desktop that joins
     * no domain (it has nothing to fetch).
     */
    public record Values(String os, String serverName, String hostname, String beamline, String experiment,
            String owner, String protocol, String agentUrl, String enrollmentToken,
            Optional<String> adDomain, Optional<String> adComputerOu, List<List<String>> storageMounts) {
    }

    private final Optional<Path> templateDir;

    public UserDataRenderer(Optional<Path> templateDir) {
        this.templateDir = templateDir;
    }

    public String render(Values values) {
        String template = template(values.os());
        Map<String, String> variables = new HashMap<>();
        variables.put("serverName", values.serverName());
        variables.put("hostname", values.hostname());
        variables.put("beamline", values.beamline());
        variables.put("experiment", values.experiment());
        variables.put("owner", values.owner());
        variables.put("protocol", values.protocol());
        variables.put("agentUrl", values.agentUrl());
        variables.put("enrollmentToken", values.enrollmentToken() == null ? "" : values.enrollmentToken());
        boolean windows = "windows".equals(values.os());
        variables.put("mountsBlock", windows ? windowsMounts(values) : linuxMounts(values));
        variables.put("domainJoinCommands", windows ? windowsDomainJoin(values) : linuxDomainJoin(values));
        Matcher matcher = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String value = variables.get(matcher.group(1));
            if (value == null) {
                throw new IllegalStateException("The user data template for " + values.os()
                        + " uses {{" + matcher.group(1) + "}}, which is not a known value: " + variables.keySet());
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private String template(String os) {
        String file = ("windows".equals(os) ? "windows" : "linux") + ".tmpl";
        if (templateDir.isPresent() && Files.isRegularFile(templateDir.get().resolve(file))) {
            try {
                return Files.readString(templateDir.get().resolve(file), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException("Cannot read the user data template " + templateDir.get().resolve(file), e);
            }
        }
        try (InputStream in = UserDataRenderer.class.getResourceAsStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("The built-in user data template " + file + " is missing", e);
        }
    }

    private static List<String> expand(List<List<String>> mounts, Values values, int field) {
        List<String> expanded = new ArrayList<>();
        for (List<String> mount : mounts) {
            expanded.add(mount.get(field).replace("{beamline}", values.beamline())
                    .replace("{experiment}", values.experiment()).replace("{user}", values.owner()));
        }
        return expanded;
    }

    private static String linuxMounts(Values values) {
        if (values.storageMounts().isEmpty()) {
            return "";
        }
        StringBuilder block = new StringBuilder("mounts:\n");
        List<String> sources = expand(values.storageMounts(), values, 0);
        List<String> targets = expand(values.storageMounts(), values, 1);
        for (int i = 0; i < sources.size(); i++) {
            List<String> mount = values.storageMounts().get(i);
            block.append("  - [ \"").append(sources.get(i)).append("\", \"").append(targets.get(i)).append("\", \"")
                    .append(mount.get(2)).append("\", \"").append(mount.get(3)).append("\", \"0\", \"0\" ]\n");
        }
        return block.toString().stripTrailing();
    }

    private static String windowsMounts(Values values) {
        StringBuilder block = new StringBuilder();
        List<String> sources = expand(values.storageMounts(), values, 0);
        List<String> targets = expand(values.storageMounts(), values, 1);
        for (int i = 0; i < sources.size(); i++) {
            block.append("New-SmbGlobalMapping -RemotePath \"").append(sources.get(i)).append("\" -LocalPath \"")
                    .append(targets.get(i)).append("\" -Persistent $true\n");
        }
        return block.toString().stripTrailing();
    }

    /** Linux joins in its enrollment step (heps-enroll), with the one-time password the agent hands it there. */
    private static String linuxDomainJoin(Values values) {
        return "";
    }

    /**
     * Windows fetches the one-time password of the computer account the agent pre-staged for it
     * from the enrollment channel (it is never in the user data, which any process on the VM can
     * read) and joins with it once: an unsecured join uses it as the machine password, and
     * Windows then sets one of its own. A reboot runs this again; a joined machine skips it.
     */
    private static String windowsDomainJoin(Values values) {
        if (values.adDomain().isEmpty()) {
            return "";
        }
        return """
                if (-not (Get-CimInstance Win32_ComputerSystem).PartOfDomain) {
                    $meta = Invoke-RestMethod -Uri 'http://169.254.169.254/openstack/latest/meta_data.json'
                    $answer = $null
                    for ($attempt = 0; $attempt -lt 60 -and -not $answer; $attempt++) {
                        try {
                            $answer = Invoke-RestMethod -Method Post -Uri "$HepsAgentUrl/v1/enrollment" -ContentType 'application/json' `
                                -Body (@{ serverId = $meta.uuid; token = $HepsEnrollmentToken } | ConvertTo-Json)
                        } catch { Start-Sleep -Seconds 10 }
                    }
                    if (-not $answer.domainJoin) { throw "the agent at $HepsAgentUrl handed out no domain join" }
                    $join = New-Object System.Management.Automation.PSCredential('unused', `
                        (ConvertTo-SecureString $answer.domainJoin.password -AsPlainText -Force))
                    Add-Computer -DomainName $answer.domainJoin.domain -NewName $answer.domainJoin.computerName `
                        -Options UnsecuredJoin,PasswordPass,JoinWithNewName -Credential $join -Force
                    exit 1001  # cloudbase-init: reboot, done
                }""";
    }
}
