package cn.ac.ihep.heps.common.cloud;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 10.42.0.1/32}, {@code 2001:db8::/64}), parsed
 * strictly: a literal address (never a host name, never looked up), a prefix length, and no bits
 * set beyond the prefix. Two networks are equal when they cover the same addresses, however
 * they were spelled; {@link #toString()} is the canonical spelling (RFC 5952 for IPv6).
 *
 * @param ipVersion 4 or 6
 * @param address the network's first address as an unsigned number
 */
public record IpNetwork(int ipVersion, BigInteger address, int prefixLength) {

    private static final Pattern IPV4 = Pattern.compile("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]{1,44}");
    private static final Pattern PREFIX = Pattern.compile("0|[1-9][0-9]{0,2}");

    public IpNetwork {
        if (ipVersion != 4 && ipVersion != 6) {
            throw new IllegalArgumentException("IP version 4 or 6, not " + ipVersion);
        }
        if (prefixLength < 0 || prefixLength > bits(ipVersion)) {
            throw new IllegalArgumentException("prefix length 0-" + bits(ipVersion) + ", not " + prefixLength);
        }
    }

    /** Parses {@code <address>/<prefix length>}; the message of the exception says what is wrong. */
    public static IpNetwork parse(String text) {
        return parse(text, true);
    }

    /**
     * The network an address with a prefix lies in, as packet filters read it: bits beyond the
     * prefix are dropped ({@code 10.0.0.5/24} is {@code 10.0.0.0/24}). For reading what a cloud
     * stored; settings are read with {@link #parse}.
     */
    public static IpNetwork containing(String text) {
        return parse(text, false);
    }

    private static IpNetwork parse(String text, boolean strict) {
        String value = text == null ? "" : text.trim();
        int slash = value.indexOf('/');
        if (slash < 0 || slash != value.lastIndexOf('/')) {
            throw new IllegalArgumentException("'" + value + "' is not a CIDR: write <address>/<prefix length>, "
                    + "e.g. 10.42.0.1/32");
        }
        String literal = value.substring(0, slash);
        String prefix = value.substring(slash + 1);
        int version = IPV4.matcher(literal).matches() ? 4
                : IPV6.matcher(literal).matches() && literal.contains(":") ? 6 : 0;
        if (version == 0) {
            throw new IllegalArgumentException("'" + value + "' is not a CIDR: '" + literal
                    + "' is not an IPv4 or IPv6 address");
        }
        byte[] bytes = version == 4 ? ipv4Bytes(literal) : ipv6Bytes(literal);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + value + "' is not a CIDR: '" + literal
                    + "' is not an IPv" + version + " address");
        }
        if (!PREFIX.matcher(prefix).matches() || Integer.parseInt(prefix) > bits(version)) {
            throw new IllegalArgumentException("'" + value + "' is not a CIDR: the prefix length must be 0-"
                    + bits(version));
        }
        int length = Integer.parseInt(prefix);
        BigInteger number = new BigInteger(1, bytes);
        BigInteger network = number.and(mask(version, length));
        if (strict && !network.equals(number)) {
            IpNetwork suggested = new IpNetwork(version, network, length);
            throw new IllegalArgumentException("'" + value + "' is not a CIDR: it has address bits beyond the /"
                    + length + " prefix (did you mean " + suggested + "?)");
        }
        return new IpNetwork(version, network, length);
    }

    private static byte[] ipv4Bytes(String literal) {
        String[] parts = literal.split("\\.");
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            int part = Integer.parseInt(parts[i]);
            if (part > 255) {
                return null;
            }
            bytes[i] = (byte) part;
        }
        return bytes;
    }

    private static byte[] ipv6Bytes(String literal) {
        try {
            // A string with ':' is parsed as an IPv6 literal, never looked up in DNS.
            byte[] bytes = InetAddress.getByName(literal).getAddress();
            // An IPv4-mapped literal (::ffff:a.b.c.d) comes back as 4 bytes: not an IPv6 network.
            return bytes.length == 16 ? bytes : null;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Every address of its version: {@code 0.0.0.0/0} or {@code ::/0}. */
    public boolean coversEverything() {
        return prefixLength == 0;
    }

    @Override
    public String toString() {
        return (ipVersion == 4 ? ipv4(address) : ipv6(address)) + "/" + prefixLength;
    }

    private static int bits(int version) {
        return version == 4 ? 32 : 128;
    }

    private static BigInteger mask(int version, int length) {
        BigInteger all = BigInteger.ONE.shiftLeft(bits(version)).subtract(BigInteger.ONE);
        return all.shiftRight(bits(version) - length).shiftLeft(bits(version) - length);
    }

    private static String ipv4(BigInteger address) {
        long value = address.longValue();
        return (value >> 24 & 0xff) + "." + (value >> 16 & 0xff) + "." + (value >> 8 & 0xff) + "." + (value & 0xff);
    }

    /** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups as "::" (the first on a tie). */
    private static String ipv6(BigInteger address) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = address.shiftRight(16 * (7 - i)).intValue() & 0xffff;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8;) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < 8 && groups[i] == 0) {
                i++;
            }
            if (i - start > bestLength) {
                bestStart = start;
                bestLength = i - start;
            }
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}
