-- Who uses which desktop, as the Guacamole nodes (the VM resolver) report it: per desktop the
-- last connection opened and closed and the last input; per node its latest report and the
-- desktops it has connections open to now. The idle policy shelves no desktop with an open
-- connection, and none at all while a node that reports has gone silent.
-- Portable between H2 and PostgreSQL.

ALTER TABLE desktops ADD COLUMN last_connected_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE desktops ADD COLUMN last_disconnected_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE desktops ADD COLUMN last_input_at TIMESTAMP WITH TIME ZONE;

CREATE TABLE activity_nodes (
    node        VARCHAR(128) NOT NULL PRIMARY KEY,
    instance    VARCHAR(64)  NOT NULL,
    sequence    BIGINT       NOT NULL,
    complete    BOOLEAN      NOT NULL,
    dropped     BIGINT       NOT NULL,
    reported_at TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE desktop_sessions (
    node          VARCHAR(128) NOT NULL REFERENCES activity_nodes (node) ON DELETE CASCADE,
    server_id     VARCHAR(64)  NOT NULL,
    connections   INT          NOT NULL,
    last_input_at TIMESTAMP WITH TIME ZONE,
    disconnect_at TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (node, server_id),
    CONSTRAINT desktop_sessions_connections CHECK (connections > 0)
);

CREATE INDEX desktop_sessions_server ON desktop_sessions (server_id);
