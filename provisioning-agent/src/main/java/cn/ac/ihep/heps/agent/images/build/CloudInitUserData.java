package cn.ac.ihep.heps.agent.images.build;

import cn.ac.ihep.heps.agent.images.build.GuestPlan.GuestComponent;
import cn.ac.ihep.heps.agent.images.build.GuestPlan.GuestStep;
import java.util.Map;

/**
 * A shell script for cloud-init (Linux), which runs it once as root at the end of the first boot.
 * Each step and check runs in its own {@code bash -euo pipefail} with the component's inputs as
 * environment variables, so a value never becomes shell code; the script writes the result line
 * to the serial console, where Nova's console-output API reads it. With a site package proxy, apt
 * and the steps' {@code http_proxy}/{@code https_proxy} use it while the script runs; the apt
 * setting is removed again before the disk becomes an image.
 */
final class CloudInitUserData implements UserDataRenderer {

    /** apt's setting for the site's package proxy, present only while the script runs. */
    static final String APT_PROXY_FILE = "/etc/apt/apt.conf.d/90heps-proxy";

    /** Never through the proxy: the guest itself and the metadata service the completion signal uses. */
    static final String NO_PROXY = "localhost,127.0.0.1,169.254.169.254";
    /** dpkg's setting for the builder only: the disk is synced once, before it becomes an image. */
    static final String DPKG_UNSAFE_IO_FILE = "/etc/dpkg/dpkg.cfg.d/90heps-build-unsafe-io";

    private static final String LIB = """
            # heps_fetch URL SHA256 DEST: fetch from the artifact store; refuse a file whose sha256 differs.
            heps_fetch() {
              local url="$1" sha256="$2" dest="$3"
              curl --fail --silent --show-error --location --retry 5 --retry-delay 10 --output "$dest.part" "$url"
              if ! echo "$sha256  $dest.part" | sha256sum --check --status; then
                echo "heps_fetch: the sha256 of $url is not $sha256" >&2
                rm -f "$dest.part"
                return 1
              fi
              mv "$dest.part" "$dest"
            }
            """;

    private static final String SIGNAL_METADATA = """
            # Sets heps.build-result through the Compute API with the build's application credential.
            heps_signal_metadata() {
              HEPS_SIGNAL_LINE="$1" HEPS_SIGNAL_AUTH_URL="$heps_signal_auth_url" HEPS_SIGNAL_COMPUTE_URL="$heps_signal_compute_url" \\
              HEPS_SIGNAL_ID="$heps_signal_id" HEPS_SIGNAL_SECRET="$heps_signal_secret" \\
              HEPS_METADATA_URL="${HEPS_METADATA_URL:-http://169.254.169.254}" python3 - <<'HEPS_PY'
            import json, os, urllib.request
            env = os.environ
            auth = {"auth": {"identity": {"methods": ["application_credential"],
                    "application_credential": {"id": env["HEPS_SIGNAL_ID"], "secret": env["HEPS_SIGNAL_SECRET"]}}}}
            request = urllib.request.Request(env["HEPS_SIGNAL_AUTH_URL"].rstrip("/") + "/auth/tokens",
                    data=json.dumps(auth).encode(), headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:
                token = response.headers["X-Subject-Token"]
            with urllib.request.urlopen(env["HEPS_METADATA_URL"] + "/openstack/latest/meta_data.json", timeout=30) as response:
                server = json.load(response)["uuid"]
            body = json.dumps({"meta": {"heps.build-result": env["HEPS_SIGNAL_LINE"]}}).encode()
            put = urllib.request.Request(env["HEPS_SIGNAL_COMPUTE_URL"].rstrip("/") + "/servers/" + server
                    + "/metadata/heps.build-result", data=body, method="PUT",
                    headers={"Content-Type": "application/json", "X-Auth-Token": token})
            urllib.request.urlopen(put, timeout=30).close()
            HEPS_PY
            }
            """;

    @Override
    public String render(GuestPlan plan) {
        StringBuilder script = new StringBuilder();
        script.append("#!/bin/bash\n");
        script.append("# HEPS image ").append(plan.phase()).append(" of beamline ").append(plan.beamline())
                .append(", build ").append(plan.buildId()).append(".\n");
        script.append("# cloud-init runs this once, as root, at the end of the first boot.\n");
        script.append("set -uo pipefail\n");
        script.append("export HEPS_BUILD_ID=").append(quote(plan.buildId()))
                .append(" HEPS_BEAMLINE=").append(quote(plan.beamline()))
                .append(" HEPS_PHASE=").append(quote(plan.phase())).append('\n');
        // cloud-init sets none of these three; an operator re-running the script by hand may.
        script.append(": \"${HEPS_STAGING:=/var/tmp/heps-build}\" \"${HEPS_LOG:=/var/log/heps-build.log}\" \"${HEPS_CONSOLES:=/dev/ttyS0 /dev/console}\"\n");
        script.append("export HEPS_STAGING DEBIAN_FRONTEND=noninteractive\n");
        script.append("install -d -m 0700 \"$HEPS_STAGING\"\n");
        script.append("exec > >(tee -a \"$HEPS_LOG\") 2>&1\n\n");
        plan.packageProxy().ifPresent(proxy -> {
            script.append("# The site's package proxy serves apt and the steps while this script runs; it is removed before the end.\n");
            script.append("heps_package_proxy=").append(quote(proxy.toString())).append('\n');
            script.append(": \"${HEPS_APT_PROXY_FILE:=").append(APT_PROXY_FILE).append("}\"\n");
            heredoc(script, "$HEPS_APT_PROXY_FILE", "Acquire::http::Proxy \"" + proxy + "\";\n"
                    + "Acquire::https::Proxy \"" + proxy + "\";\n");
        });
        if (plan.installs()) {
            // Under emulation every fsync of every unpacked file costs the guest's disk a flush;
            // the install's files are synced once at the end, before the snapshot.
            script.append("# dpkg without a sync per file while the components install; removed before the end.\n");
            script.append(": \"${HEPS_DPKG_UNSAFE_IO_FILE:=").append(DPKG_UNSAFE_IO_FILE).append("}\"\n");
            heredoc(script, "$HEPS_DPKG_UNSAFE_IO_FILE", "force-unsafe-io\n");
        }
        heredoc(script, "$HEPS_STAGING/lib.sh", LIB);
        script.append("""

                # heps_run COMPONENT VERSION SCRIPT ENV: one step or check, with the component's inputs.
                heps_run() {
                  (""");
        if (plan.packageProxy().isPresent()) {
            script.append(" export http_proxy=\"$heps_package_proxy\" https_proxy=\"$heps_package_proxy\" no_proxy=")
                    .append(quote(NO_PROXY)).append("\n   ");
        }
        script.append("""
                 set -a; . "$4"; set +a
                    export HEPS_COMPONENT="$1" HEPS_COMPONENT_VERSION="$2"
                    bash -euo pipefail -c '. "$HEPS_STAGING/lib.sh"; . "$0"' "$3" )
                }

                heps_signal() {
                  local line="HEPS-BUILD-RESULT build=$HEPS_BUILD_ID phase=$HEPS_PHASE $1"
                  echo "$line"
                  for console in $HEPS_CONSOLES; do { echo "$line" >> "$console"; } 2>/dev/null || true; done
                """);
        if (plan.signalCredential().isPresent()) {
            // A metadata value holds 255 characters: a long failure lists only the failed checks.
            script.append("""
                      local meta="$line"
                      if [ "${#meta}" -gt 255 ]; then
                        meta="${line%% checks=*} failed-checks=$(printf '%s' "${line##* checks=}" | tr ',' '\\n' | sed -n 's/:failed$//p' | paste -sd, -)"
                      fi
                      heps_signal_metadata "$meta" || echo "heps: could not set heps.build-result metadata" >&2
                    """);
        }
        script.append("}\n\n");
        plan.signalCredential().ifPresent(credential -> {
            // Plain shell variables, never exported: the components' steps do not see them.
            script.append("heps_signal_auth_url=").append(quote(credential.authUrl())).append('\n');
            script.append("heps_signal_compute_url=").append(quote(credential.computeUrl())).append('\n');
            script.append("heps_signal_id=").append(quote(credential.id())).append('\n');
            script.append("heps_signal_secret=").append(quote(credential.secret())).append('\n');
            script.append(SIGNAL_METADATA).append('\n');
        });

        for (int i = 0; i < plan.components().size(); i++) {
            GuestComponent component = plan.components().get(i);
            String dir = "$HEPS_STAGING/" + String.format("%02d-%s", i + 1, component.name());
            script.append("# ---- ").append(component.name()).append(' ').append(component.version()).append('\n');
            script.append("install -d -m 0700 \"").append(dir).append("\"\n");
            StringBuilder env = new StringBuilder();
            for (Map.Entry<String, String> input : component.inputs().entrySet()) {
                env.append(input.getKey().toUpperCase(java.util.Locale.ROOT)).append('=').append(quote(input.getValue())).append('\n');
            }
            heredoc(script, dir + "/env", env.toString());
            if (plan.installs()) {
                for (int s = 0; s < component.steps().size(); s++) {
                    heredoc(script, dir + "/step" + (s + 1) + ".sh", component.steps().get(s).run());
                }
            }
            heredoc(script, dir + "/check.sh", component.check());
            script.append('\n');
        }

        script.append("heps_failed=\"\"\n");
        if (plan.installs()) {
            for (int i = 0; i < plan.components().size(); i++) {
                GuestComponent component = plan.components().get(i);
                String dir = "$HEPS_STAGING/" + String.format("%02d-%s", i + 1, component.name());
                for (int s = 0; s < component.steps().size(); s++) {
                    GuestStep step = component.steps().get(s);
                    script.append("if [ -z \"$heps_failed\" ]; then\n");
                    script.append("  echo ").append(quote("heps: " + component.name() + " " + component.version() + ": " + step.name())).append('\n');
                    script.append("  heps_run ").append(quote(component.name())).append(' ').append(quote(component.version()))
                            .append(" \"").append(dir).append("/step").append(s + 1).append(".sh\" \"").append(dir).append("/env\"")
                            .append(" || heps_failed=").append(quote(component.name() + "/" + step.slug())).append('\n');
                    script.append("fi\n");
                }
            }
        }
        script.append("\nheps_checks=\"\"\n");
        for (int i = 0; i < plan.components().size(); i++) {
            GuestComponent component = plan.components().get(i);
            String dir = "$HEPS_STAGING/" + String.format("%02d-%s", i + 1, component.name());
            script.append("if heps_run ").append(quote(component.name())).append(' ').append(quote(component.version()))
                    .append(" \"").append(dir).append("/check.sh\" \"").append(dir).append("/env\"; then heps_result=ok; else heps_result=failed; fi\n");
            script.append("heps_checks=\"${heps_checks:+$heps_checks,}").append(component.name()).append(":$heps_result\"\n");
        }
        if (plan.packageProxy().isPresent()) {
            // Whatever the result: desktops booted from the image must not use the build network's proxy.
            script.append("rm -f \"$HEPS_APT_PROXY_FILE\"\n");
        }
        if (plan.installs()) {
            // Whatever the result: a desktop's own updates sync as dpkg always does.
            script.append("rm -f \"$HEPS_DPKG_UNSAFE_IO_FILE\"\n");
        }
        script.append("""

                if [ -n "$heps_failed" ]; then
                  heps_signal "status=failed failed=$heps_failed checks=$heps_checks"
                  exit 1
                fi
                case ",$heps_checks," in
                  *:failed,*) heps_signal "status=failed checks=$heps_checks"; exit 1 ;;
                esac
                """);
        if (plan.installs()) {
            script.append("""
                    # Make the disk an image: no staging files, no build secrets (cloud-init keeps
                    # its user data under /var/lib/cloud), and a new identity on every desktop's first boot.
                    rm -rf "$HEPS_STAGING"
                    apt-get clean || true
                    cloud-init clean --logs --seed
                    truncate -s 0 /etc/machine-id
                    rm -f /var/lib/dbus/machine-id /etc/ssh/ssh_host_*
                    sync
                    """);
        } else {
            script.append("rm -rf \"$HEPS_STAGING\"\n");
        }
        script.append("heps_signal \"status=ok checks=$heps_checks\"\n");
        return script.toString();
    }

    /** Writes {@code content} to {@code target} through a quoted here-document, so nothing in it is expanded. */
    private static void heredoc(StringBuilder script, String target, String content) {
        String delimiter = "HEPS_EOF";
        for (int n = 1; content.contains(delimiter); n++) {
            delimiter = "HEPS_EOF_" + n;
        }
        script.append("cat > \"").append(target).append("\" <<'").append(delimiter).append("'\n");
        script.append(content);
        if (!content.endsWith("\n")) {
            script.append('\n');
        }
        script.append(delimiter).append('\n');
    }

    /** A single-quoted shell word: nothing inside is expanded. */
    static String quote(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
