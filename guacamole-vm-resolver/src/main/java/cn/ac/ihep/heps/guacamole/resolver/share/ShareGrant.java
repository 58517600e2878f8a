package cn.ac.ihep.heps.guacamole.resolver.share;

/** What a share link opens: one live session, in one mode. */
public record ShareGrant(LiveSession session, ShareMode mode) {
}
