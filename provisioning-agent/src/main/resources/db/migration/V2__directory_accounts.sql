-- The numbers of the LDAP and AD accounts and groups the agent keeps for experiment members.
-- A number is handed out (or adopted from a directory) once, here, before it is written to any
-- directory: the UNIQUE constraints make sure two agents never hand out one number twice.
-- Rows are never deleted: storage owns files by these numbers. Portable between H2 and PostgreSQL.

CREATE TABLE directory_accounts (
    username    VARCHAR(48) NOT NULL PRIMARY KEY,
    uid_number  INT         NOT NULL,
    gid_number  INT         NOT NULL,
    origin      VARCHAR(16) NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT directory_accounts_uid_unique UNIQUE (uid_number),
    CONSTRAINT directory_accounts_origin CHECK (origin IN ('ALLOCATED', 'ADOPTED'))
);

CREATE TABLE directory_groups (
    group_name  VARCHAR(48) NOT NULL PRIMARY KEY,
    gid_number  INT         NOT NULL,
    origin      VARCHAR(16) NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT directory_groups_gid_unique UNIQUE (gid_number),
    CONSTRAINT directory_groups_origin CHECK (origin IN ('ALLOCATED', 'ADOPTED'))
);

-- Accounts and groups whose numbers disagree between the database, LDAP and AD: the agent
-- changes nothing about them until an operator has resolved the disagreement.
CREATE TABLE directory_conflicts (
    kind        VARCHAR(8)    NOT NULL,
    name        VARCHAR(48)   NOT NULL,
    detail      VARCHAR(1000) NOT NULL,
    since       TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (kind, name)
);
