package cn.ac.ihep.heps.auth.testing;

import io.jsonwebtoken.JwtBuilder;
import io.jsonwebtoken.Jwts;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Mints portal tokens the way the facility token server does (see the module README), with
 * every field overridable so tests can break exactly one thing.
 */
public final class TokenMint {

    public static final String ISSUER = "https://token.heps.example";
    public static final String AUDIENCE = "guacamole";

    private final SigningKey key;
    private String type = "heps-desktop+jwt";
    private String keyId;
    private String issuer = ISSUER;
    private String audience = AUDIENCE;
    private String subject = "alice";
    private Instant issuedAt = Instant.now();
    private Instant expiresAt;
    private Instant notBefore;
    private String tokenId = UUID.randomUUID().toString();
    private final Map<String, Object> claims = new LinkedHashMap<>();
    private final Map<String, Object> headers = new LinkedHashMap<>();

    private TokenMint(SigningKey key) {
        this.key = key;
        this.keyId = key.keyId();
        this.expiresAt = issuedAt.plusSeconds(60);
    }

    public static TokenMint with(SigningKey key) {
        return new TokenMint(key);
    }

    public TokenMint type(String value) { type = value; return this; }
    public TokenMint keyId(String value) { keyId = value; return this; }
    public TokenMint issuer(String value) { issuer = value; return this; }
    public TokenMint audience(String value) { audience = value; return this; }
    public TokenMint subject(String value) { subject = value; return this; }
    public TokenMint tokenId(String value) { tokenId = value; return this; }
    public TokenMint notBefore(Instant value) { notBefore = value; return this; }
    public TokenMint claim(String name, Object value) { claims.put(name, value); return this; }
    public TokenMint header(String name, Object value) { headers.put(name, value); return this; }
    public TokenMint groups(String... names) { return claim("groups", List.of(names)); }

    /** Issued at {@code issued}, valid for {@code lifetime}. */
    public TokenMint issued(Instant issued, Duration lifetime) {
        issuedAt = issued;
        expiresAt = issued.plus(lifetime);
        return this;
    }

    public String mint() {
        JwtBuilder builder = Jwts.builder();
        builder.header().add(headers).type(type).keyId(keyId).and();
        if (issuer != null) builder.issuer(issuer);
        if (audience != null) builder.audience().add(audience).and();
        if (subject != null) builder.subject(subject);
        if (issuedAt != null) builder.issuedAt(Date.from(issuedAt));
        if (expiresAt != null) builder.expiration(Date.from(expiresAt));
        if (notBefore != null) builder.notBefore(Date.from(notBefore));
        if (tokenId != null) builder.id(tokenId);
        builder.claims(claims);
        return builder.signWith(key.pair().getPrivate()).compact();
    }

    /** The unsigned payload segment a minted token would carry, for hand-built tokens. */
    public static String segment(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
