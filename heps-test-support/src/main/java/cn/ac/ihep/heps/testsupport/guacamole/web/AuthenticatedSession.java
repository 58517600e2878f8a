package cn.ac.ihep.heps.testsupport.guacamole.web;

import java.util.List;

/** What {@code POST /api/tokens} answers: the session token and where the user's data lives. */
public record AuthenticatedSession(String authToken, String username, String dataSource,
        List<String> availableDataSources) {

    public AuthenticatedSession {
        availableDataSources = List.copyOf(availableDataSources);
    }
}
