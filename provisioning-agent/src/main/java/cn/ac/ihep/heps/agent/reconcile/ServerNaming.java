package cn.ac.ihep.heps.agent.reconcile;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Names of desktop VMs. The server name says whose desktop it is; the guest's host name
 * must be a valid DNS label, and on Windows at most 15 characters (NetBIOS), so Windows
 * desktops, and any desktop that joins the domain, get a short stable name derived from the
 * experiment and the member.
 */
public final class ServerNaming {
    private ServerNaming() {
    }

    public static String serverName(String beamline, String proposalId, String username) {
        String name = "heps-" + label(beamline) + "-" + label(proposalId) + "-" + label(username);
        return name.length() <= 63 ? name : name.substring(0, 54) + "-" + shortHash(proposalId + "/" + username, 8);
    }

    /**
     * The guest's host name: its AD computer name on Windows (NetBIOS) and on any desktop that
     * joins the domain, whose Kerberos and sssd find the machine's own principal by the host name;
     * otherwise the server name.
     */
    public static String hostname(String os, boolean joinsDomain, String beamline, String proposalId, String username) {
        if ("windows".equals(os) || joinsDomain) {
            return computerName(proposalId, username);
        }
        return serverName(beamline, proposalId, username);
    }

    /**
     * The desktop's AD computer account name: 15 characters at most (NetBIOS), the same for a
     * desktop made again for the same member and experiment. A Windows desktop's host name.
     */
    public static String computerName(String proposalId, String username) {
        return "heps-" + shortHash(proposalId + "/" + username, 10);
    }

    private static String label(String value) {
        String label = value.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("-+", "-");
        return label.replaceAll("^-|-$", "");
    }

    private static String shortHash(String value, int length) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, length);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
