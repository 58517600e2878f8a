package cn.ac.ihep.heps.agent.images.build;

import cn.ac.ihep.heps.agent.images.build.GuestPlan.GuestComponent;
import cn.ac.ihep.heps.agent.images.build.GuestPlan.GuestStep;
import java.util.Map;

/**
 * A PowerShell script for cloudbase-init (Windows; {@code #ps1_sysnative} runs it as a 64-bit
 * script at first boot). Steps run with the component's inputs as environment variables; the
 * result line goes to the serial port COM1, which Nova's console-output API reads. At the end
 * of a successful build the guest generalises itself with sysprep and powers off. A site package
 * proxy reaches the steps and checks as {@code HTTP_PROXY}/{@code HTTPS_PROXY} of their process only
 * (tools that read them, such as pip and curl.exe, use it; Windows' own proxy settings are not changed).
 */
final class CloudbaseInitUserData implements UserDataRenderer {

    private static final String PRELUDE = """
            $ErrorActionPreference = 'Stop'
            $ProgressPreference = 'SilentlyContinue'
            $env:HEPS_STAGING = 'C:\\HEPS\\build'
            New-Item -ItemType Directory -Path $env:HEPS_STAGING -Force | Out-Null
            Start-Transcript -Path 'C:\\HEPS\\heps-build.log' -Append | Out-Null

            # Fetches from the artifact store and refuses a file whose sha256 differs.
            function Get-HepsArtifact([string]$Url, [string]$Sha256, [string]$Destination) {
                Invoke-WebRequest -Uri $Url -OutFile "$Destination.part" -UseBasicParsing
                $actual = (Get-FileHash -Path "$Destination.part" -Algorithm SHA256).Hash
                if ($actual -ne $Sha256.ToUpperInvariant()) {
                    Remove-Item "$Destination.part" -Force
                    throw "Get-HepsArtifact: the sha256 of $Url is not $Sha256"
                }
                Move-Item "$Destination.part" $Destination -Force
            }

            # Runs one step or check with the component's inputs (and the site's package proxy, if any)
            # in this process's environment only: nothing is set machine-wide, so the image keeps none of it.
            function Invoke-HepsScript([string]$Component, [string]$Version, [hashtable]$Inputs, [scriptblock]$Script) {
                $env:HEPS_COMPONENT = $Component
                $env:HEPS_COMPONENT_VERSION = $Version
                $variables = @{} + $HepsProxyEnv
                foreach ($name in $Inputs.Keys) { $variables[$name] = $Inputs[$name] }
                foreach ($name in $variables.Keys) { Set-Item -Path "env:$name" -Value $variables[$name] }
                try { & $Script } finally {
                    foreach ($name in $variables.Keys) { Remove-Item -Path "env:$name" -ErrorAction SilentlyContinue }
                }
            }

            function Send-HepsSignal([string]$Result) {
                $line = "HEPS-BUILD-RESULT build=$env:HEPS_BUILD_ID phase=$env:HEPS_PHASE $Result"
                Write-Output $line
                try {
                    $port = New-Object System.IO.Ports.SerialPort 'COM1', 115200, 'None', 8, 'One'
                    $port.Open(); $port.WriteLine($line); $port.Close()
                } catch { Write-Warning "heps: cannot write to COM1: $_" }
                if ($HepsSignal) {
                    try {
                        $auth = @{ auth = @{ identity = @{ methods = @('application_credential')
                            application_credential = @{ id = $HepsSignal.Id; secret = $HepsSignal.Secret } } } } | ConvertTo-Json -Depth 6
                        $token = (Invoke-WebRequest -Uri ($HepsSignal.AuthUrl.TrimEnd('/') + '/auth/tokens') -Method Post `
                            -Body $auth -ContentType 'application/json' -UseBasicParsing).Headers['X-Subject-Token']
                        $server = (Invoke-RestMethod -Uri 'http://169.254.169.254/openstack/latest/meta_data.json').uuid
                        # A metadata value holds 255 characters: a long failure lists only the failed checks.
                        $meta = $line
                        if ($meta.Length -gt 255) {
                            $head, $all = $line -split ' checks=', 2
                            $failedChecks = ($all -split ',' | Where-Object { $_ -like '*:failed' } | ForEach-Object { $_ -replace ':failed$', '' }) -join ','
                            $meta = "$head failed-checks=$failedChecks"
                        }
                        $body = @{ meta = @{ 'heps.build-result' = $meta } } | ConvertTo-Json
                        Invoke-RestMethod -Uri ($HepsSignal.ComputeUrl.TrimEnd('/') + "/servers/$server/metadata/heps.build-result") `
                            -Method Put -Body $body -ContentType 'application/json' -Headers @{ 'X-Auth-Token' = $token } | Out-Null
                    } catch { Write-Warning "heps: could not set heps.build-result metadata: $_" }
                }
            }
            """;

    @Override
    public String render(GuestPlan plan) {
        StringBuilder script = new StringBuilder();
        script.append("#ps1_sysnative\n");
        script.append("# HEPS image ").append(plan.phase()).append(" of beamline ").append(plan.beamline())
                .append(", build ").append(plan.buildId()).append(".\n");
        script.append("$env:HEPS_BUILD_ID = ").append(quote(plan.buildId())).append('\n');
        script.append("$env:HEPS_BEAMLINE = ").append(quote(plan.beamline())).append('\n');
        script.append("$env:HEPS_PHASE = ").append(quote(plan.phase())).append('\n');
        script.append(plan.signalCredential().map(credential -> "$HepsSignal = @{ AuthUrl = " + quote(credential.authUrl())
                + "; ComputeUrl = " + quote(credential.computeUrl()) + "; Id = " + quote(credential.id())
                + "; Secret = " + quote(credential.secret()) + " }\n").orElse("$HepsSignal = $null\n"));
        script.append(plan.packageProxy().map(proxy -> "$HepsProxyEnv = @{ HTTP_PROXY = " + quote(proxy.toString())
                + "; HTTPS_PROXY = " + quote(proxy.toString()) + "; NO_PROXY = " + quote(CloudInitUserData.NO_PROXY) + " }\n")
                .orElse("$HepsProxyEnv = @{}\n"));
        script.append(PRELUDE).append('\n');

        for (int i = 0; i < plan.components().size(); i++) {
            GuestComponent component = plan.components().get(i);
            script.append("$HepsInputs").append(i + 1).append(" = @{");
            boolean first = true;
            for (Map.Entry<String, String> input : component.inputs().entrySet()) {
                script.append(first ? " " : "; ").append(input.getKey().toUpperCase(java.util.Locale.ROOT))
                        .append(" = ").append(quote(input.getValue()));
                first = false;
            }
            script.append(" }\n");
        }
        script.append("\n$HepsFailed = $null\n");
        if (plan.installs()) {
            for (int i = 0; i < plan.components().size(); i++) {
                GuestComponent component = plan.components().get(i);
                for (GuestStep step : component.steps()) {
                    script.append("if (-not $HepsFailed) {\n");
                    script.append("    Write-Output ").append(quote("heps: " + component.name() + " " + component.version() + ": " + step.name())).append('\n');
                    script.append("    try {\n");
                    script.append("        Invoke-HepsScript ").append(quote(component.name())).append(' ').append(quote(component.version()))
                            .append(" $HepsInputs").append(i + 1).append(" {\n");
                    script.append(step.run());
                    if (!step.run().endsWith("\n")) {
                        script.append('\n');
                    }
                    script.append("}\n");
                    script.append("    } catch { Write-Output \"heps: $_\"; $HepsFailed = ").append(quote(component.name() + "/" + step.slug())).append(" }\n");
                    script.append("}\n");
                }
            }
        }
        script.append("\n$HepsChecks = @()\n");
        for (int i = 0; i < plan.components().size(); i++) {
            GuestComponent component = plan.components().get(i);
            script.append("try {\n");
            script.append("    Invoke-HepsScript ").append(quote(component.name())).append(' ').append(quote(component.version()))
                    .append(" $HepsInputs").append(i + 1).append(" {\n");
            script.append(component.check());
            if (!component.check().endsWith("\n")) {
                script.append('\n');
            }
            script.append("}\n");
            script.append("    $HepsChecks += ").append(quote(component.name() + ":ok")).append('\n');
            script.append("} catch { Write-Output \"heps: check of ").append(component.name()).append(" failed: $_\"; $HepsChecks += ")
                    .append(quote(component.name() + ":failed")).append(" }\n");
        }
        script.append("""

                $HepsCheckList = $HepsChecks -join ','
                if ($HepsFailed) { Send-HepsSignal "status=failed failed=$HepsFailed checks=$HepsCheckList"; Stop-Transcript | Out-Null; exit 1 }
                if ($HepsCheckList -match ':failed') { Send-HepsSignal "status=failed checks=$HepsCheckList"; Stop-Transcript | Out-Null; exit 1 }
                Remove-Item -Path $env:HEPS_STAGING -Recurse -Force -ErrorAction SilentlyContinue
                Send-HepsSignal "status=ok checks=$HepsCheckList"
                Stop-Transcript | Out-Null
                """);
        if (plan.installs()) {
            script.append("""
                    # Generalise for cloning (new SID and machine identity per desktop) and power off;
                    # cloudbase-init's unattend file makes it run again on every desktop's first boot.
                    $unattend = Join-Path $env:ProgramFiles 'Cloudbase Solutions\\Cloudbase-Init\\conf\\Unattend.xml'
                    & "$env:SystemRoot\\System32\\Sysprep\\sysprep.exe" /generalize /oobe /shutdown /quiet "/unattend:$unattend"
                    """);
        }
        script.append("exit 0\n");
        return script.toString();
    }

    /** A single-quoted PowerShell string: nothing inside is expanded. */
    static String quote(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
