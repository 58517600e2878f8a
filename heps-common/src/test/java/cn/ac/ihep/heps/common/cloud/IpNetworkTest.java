package cn.ac.ihep.heps.common.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IpNetworkTest {

    @Test
    void ipv4AndIpv6NetworksAreReadAndSpelledCanonically() {
        IpNetwork host = IpNetwork.parse("10.42.0.1/32");
        assertEquals(4, host.ipVersion());
        assertEquals("10.42.0.1/32", host.toString());
        assertEquals("192.168.0.0/16", IpNetwork.parse(" 192.168.0.0/16 ").toString());
        assertEquals("2001:db8::/32", IpNetwork.parse("2001:0DB8:0000::/32").toString());
        assertEquals("2001:db8:0:1::/64", IpNetwork.parse("2001:db8:0:1:0:0:0:0/64").toString());
        assertEquals("fe80::1/128", IpNetwork.parse("fe80:0:0:0:0:0:0:1/128").toString());
        assertEquals("2001:db8::1:0:0:1/128", IpNetwork.parse("2001:db8:0:0:1:0:0:1/128").toString(),
                "RFC 5952: the first of two equal runs of zeros is shortened");
        assertEquals("2001:db8:0:1:1:1:1:1/128", IpNetwork.parse("2001:db8::1:1:1:1:1/128").toString(),
                "RFC 5952: a single zero group stays");
        assertEquals("::/0", IpNetwork.parse("::/0").toString());
        assertEquals(6, IpNetwork.parse("::1/128").ipVersion());
    }

    @Test
    void twoSpellingsOfOneNetworkAreEqual() {
        assertEquals(IpNetwork.parse("2001:db8::/48"), IpNetwork.parse("2001:0db8:0:0::/48"));
        assertFalse(IpNetwork.parse("10.0.0.0/8").equals(IpNetwork.parse("10.0.0.0/16")));
    }

    @Test
    void addressBitsBeyondThePrefixAreRefusedWithTheNetworkSuggested() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpNetwork.parse("10.42.0.5/24"));
        assertTrue(e.getMessage().contains("did you mean 10.42.0.0/24?"), e.getMessage());
        assertEquals(IpNetwork.parse("10.42.0.0/24"), IpNetwork.containing("10.42.0.5/24"),
                "what a cloud stored is read as a packet filter reads it");
    }

    @Test
    void anythingButALiteralNetworkIsRefused() {
        for (String bad : new String[] {"", "10.42.0.1", "10.42.0.1/", "10.42.0.1/33", "10.42.0.256/32",
                "010.42.0.1/32", "10.42.0.1/032", "10.42.0.1/-1", "10.42.0.1/8/8", "localhost/32",
                "example.org/32", "::ffff:10.0.0.1/128", "2001:db8::/129", "2001:db8::g/64", "fe80::1%eth0/64",
                ".:/32", "10.42.0.1 /32", "10.42.0.1/32\n10.0.0.0/8", "1.2.3/24"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpNetwork.parse(bad), bad);
            assertTrue(e.getMessage().contains("is not a CIDR"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> IpNetwork.parse(null));
    }

    @Test
    void everythingIsRecognised() {
        assertTrue(IpNetwork.parse("0.0.0.0/0").coversEverything());
        assertTrue(IpNetwork.parse("::/0").coversEverything());
        assertFalse(IpNetwork.parse("0.0.0.0/1").coversEverything());
    }
}
