package cn.ac.ihep.heps.testsupport.guacamole.web;

import java.util.Map;

/** A connection as the REST API lists it (never its parameters: those stay on the server). */
public record Connection(String identifier, String name, String parentIdentifier, String protocol,
        Map<String, String> attributes, int activeConnections) {

    public Connection {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }
}
