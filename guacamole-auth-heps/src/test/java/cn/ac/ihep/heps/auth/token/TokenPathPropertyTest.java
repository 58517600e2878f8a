package cn.ac.ihep.heps.auth.token;

import cn.ac.ihep.heps.auth.testing.SigningKey;
import cn.ac.ihep.heps.auth.testing.TokenMint;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Whatever arrives as a token, the token path answers with a verified token or a
 * {@link TokenRejectedException}: never another exception, never a hang.
 */
class TokenPathPropertyTest {

    static final SigningKey KEY = SigningKey.es256("unit-1");
    final TokenService service = TokenServiceTest.service(new TokenServiceTest.CountingKeys());
    static final String VALID = TokenMint.with(KEY).groups("g").mint();

    static void onlyCleanOutcomes(TokenService service, String token) {
        try {
            service.verify(new PresentedToken(token));
        }
        catch (TokenRejectedException expected) {
            // the one allowed failure
        }
    }

    @Property(tries = 2000)
    void arbitraryStrings(@ForAll String token) {
        onlyCleanOutcomes(service, token);
    }

    @Property(tries = 1000)
    void threeSegmentsOfArbitraryBase64(@ForAll("segments") String header, @ForAll("segments") String payload,
            @ForAll("segments") String signature) {
        onlyCleanOutcomes(service, header + "." + payload + "." + signature);
    }

    @Property(tries = 1000)
    void arbitraryJsonLikeHeadersAndPayloads(@ForAll("json") String header, @ForAll("json") String payload) {
        String[] valid = VALID.split("\\.");
        onlyCleanOutcomes(service, b64(header) + "." + b64(payload) + "." + valid[2]);
        onlyCleanOutcomes(service, valid[0] + "." + b64(payload) + "." + valid[2]);
    }

    @Property(tries = 2000)
    void validTokenWithOneCharacterChanged(@ForAll @IntRange(min = 0, max = 10_000) int position, @ForAll char replacement) {
        int index = position % VALID.length();
        Assume.that(VALID.charAt(index) != replacement);
        String mutated = VALID.substring(0, index) + replacement + VALID.substring(index + 1);
        try {
            service.verify(new PresentedToken(mutated));
            // Only a change that decodes to the very same bytes (unused low bits of a final
            // base64url character) may be accepted; any other accepted mutation is a defect.
            if (!sameDecodedBytes(VALID, mutated))
                throw new AssertionError("mutated token accepted: position " + index);
        }
        catch (TokenRejectedException expected) {
            // refused
        }
    }

    @Provide
    Arbitrary<String> segments() {
        return Arbitraries.strings().withChars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_").ofMaxLength(400);
    }

    @Provide
    Arbitrary<String> json() {
        Arbitrary<String> key = Arbitraries.of("alg", "kid", "typ", "iss", "aud", "sub", "iat", "exp", "nbf", "jti", "groups", "crit", "jku", "jwk", "zip", "b64");
        Arbitrary<String> value = Arbitraries.oneOf(
                Arbitraries.of("\"ES256\"", "\"none\"", "\"HS256\"", "\"unit-1\"", "\"heps-desktop+jwt\"", "null", "true",
                        "[]", "{}", "[\"a\",1]", "-1", "1e309", "99999999999999999999", "\"\\u0000\""),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.strings().ofMaxLength(20).map(s -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\""));
        return Arbitraries.maps(key, value).ofMaxSize(10).map(map -> {
            StringBuilder json = new StringBuilder("{");
            map.forEach((k, v) -> json.append(json.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
            return json.append('}').toString();
        });
    }

    static boolean sameDecodedBytes(String original, String mutated) {
        String[] a = original.split("\\.", -1);
        String[] b = mutated.split("\\.", -1);
        if (a.length != b.length)
            return false;
        try {
            for (int i = 0; i < a.length; i++)
                if (!java.util.Arrays.equals(Base64.getUrlDecoder().decode(a[i]), Base64.getUrlDecoder().decode(b[i])))
                    return false;
            return true;
        }
        catch (IllegalArgumentException e) {
            return false;
        }
    }

    static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
