-- Who may open a desktop besides its owner. An experiment's desktops are personal unless its
-- desktop spec asks for them to be open to the whole experiment group ('experiment'); existing
-- experiments become personal, and the reconcile loop takes the group tag off their VMs.
-- Named users of one desktop (heps-user: tags) are added and removed by the user-service system.
-- Portable between H2 and PostgreSQL.

ALTER TABLE experiments ADD COLUMN desktop_access VARCHAR(16) DEFAULT 'personal' NOT NULL;
ALTER TABLE experiments ADD CONSTRAINT experiments_desktop_access CHECK (desktop_access IN ('personal', 'experiment'));

CREATE TABLE desktop_users (
    desktop_id BIGINT       NOT NULL REFERENCES desktops (id) ON DELETE CASCADE,
    username   VARCHAR(48)  NOT NULL,
    added_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    added_by   VARCHAR(128) NOT NULL,
    PRIMARY KEY (desktop_id, username)
);
