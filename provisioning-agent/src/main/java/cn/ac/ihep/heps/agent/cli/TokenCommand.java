package cn.ac.ihep.heps.agent.cli;

import cn.ac.ihep.heps.agent.cli.support.BadInputException;
import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.cli.support.OutputOptions;
import cn.ac.ihep.heps.agent.cli.support.TablePrinter;
import cn.ac.ihep.heps.agent.config.AgentConfiguration;
import cn.ac.ihep.heps.agent.experiment.ExperimentValidator;
import cn.ac.ihep.heps.agent.token.PortalTokenIssuer;
import cn.ac.ihep.heps.agent.token.TokenKeys;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code heps token issue|keygen}: portal-style tokens for testing a site (CONTRACTS §1a). */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Portal-style desktop tokens (CONTRACTS 1a), for testing a site end to end.",
        subcommands = {TokenCommand.IssueVerb.class, TokenCommand.KeygenVerb.class})
class TokenCommand {

    @Command(name = "issue", mixinStandardHelpOptions = true,
            description = {"Mint a signed token for a user, as the facility portal would, and the Guacamole URL "
                    + "that uses it.", "Key: token-key-file (PKCS#8 PEM or private JWK); kid: token-key-id or the JWK's."})
    static class IssueVerb extends ContextCommand {
        @Mixin
        OutputOptions output;
        @Option(names = "--user", required = true, description = "Facility username (sub).")
        String user;
        @Option(names = "--group", paramLabel = "GROUP", description = "Experiment group (repeatable; groups claim).")
        List<String> groups = new ArrayList<>();
        @Option(names = "--lifetime", description = "Token lifetime (default: token-lifetime, PT2M).")
        Duration lifetime;

        @Override
        Integer execute() {
            if (!ExperimentValidator.isValidUsername(user)) {
                throw new BadInputException("--user must be a facility username of 1-48 letters, digits, '.', '_' or '-'");
            }
            AgentConfiguration configuration = context().configuration();
            Path keyFile = configuration.tokenKeyFile();
            PortalTokenIssuer.LoadedKey key;
            try {
                key = PortalTokenIssuer.load(keyFile);
            } catch (IllegalArgumentException e) {
                throw new BadInputException(e.getMessage());
            }
            String keyId = configuration.tokenKeyId().orElse(key.keyId());
            if (keyId == null) {
                throw new BadInputException("The key " + keyFile + " has no kid: set token-key-id (HEPS_TOKEN_KEY_ID)");
            }
            Duration tokenLifetime = lifetime != null ? lifetime : configuration.tokenLifetime();
            if (tokenLifetime.isNegative() || tokenLifetime.isZero()) {
                throw new BadInputException("--lifetime must be positive");
            }
            PortalTokenIssuer issuer = new PortalTokenIssuer(key.key(), keyId, context().clock());
            PortalTokenIssuer.Issued issued = issuer.issue(user, configuration.tokenIssuer(),
                    configuration.tokenAudience(), tokenLifetime, groups);
            String base = configuration.guacamoleUrl();
            String url = base + (base.contains("?") ? "&" : "?") + "heps_token="
                    + URLEncoder.encode(issued.token(), StandardCharsets.UTF_8);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("token", issued.token());
            result.put("url", url);
            result.put("claims", issued);
            output.printer().printObject(result, out -> {
                new TablePrinter("USER", "KID", "ALG", "EXPIRES", "JTI")
                        .row(user, keyId, issued.algorithm(), issued.expiresAt(), issued.jti()).print(out);
                out.println();
                out.println("token: " + issued.token());
                out.println("url:   " + url);
            });
            return ExitCode.OK;
        }
    }

    @Command(name = "keygen", mixinStandardHelpOptions = true,
            description = "Make an EC P-256 token key: the private key (PKCS#8 PEM) for token-key-file and the public "
                    + "JWKS for guacamole-auth-heps (heps-jwt-keys).")
    static class KeygenVerb extends ContextCommand {
        @Mixin
        OutputOptions output;
        @Option(names = "--private-key", required = true, paramLabel = "FILE")
        Path privateKey;
        @Option(names = "--jwks", required = true, paramLabel = "FILE")
        Path jwks;
        @Option(names = "--kid", required = true, description = "Key id to put in tokens and the JWKS.")
        String kid;

        @Override
        Integer execute() throws IOException {
            TokenKeys.generate(privateKey, jwks, kid);
            Map<String, String> result = Map.of("privateKey", privateKey.toString(), "jwks", jwks.toString(), "kid", kid);
            output.printer().printObject(result, out -> new TablePrinter("KID", "PRIVATE KEY", "JWKS")
                    .row(kid, privateKey, jwks).print(out));
            return ExitCode.OK;
        }
    }
}
