-- RDP single sign-on and domain join: the sign-in password of each AD account the agent created
-- (it owns them), and the one-time password of each Windows desktop's pre-staged computer
-- account until the guest has fetched it. Both are sealed with AES-256-GCM under the site key
-- file (sso-key-file), never stored in plain text. Portable between H2 and PostgreSQL.

CREATE TABLE account_passwords (
    username      VARCHAR(48) NOT NULL PRIMARY KEY,
    -- The password AD has; NULL until the account exists.
    sealed        BYTEA,
    -- The next one, written before AD is asked to take it: whoever finds it finishes the change.
    pending       BYTEA,
    pending_since TIMESTAMP WITH TIME ZONE,
    changed_at    TIMESTAMP WITH TIME ZONE,
    -- A session on one of the user's desktops ended: rotate once none is open.
    rotate_due_at TIMESTAMP WITH TIME ZONE,
    handed_out_at TIMESTAMP WITH TIME ZONE,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL
);

ALTER TABLE desktops ADD COLUMN join_password BYTEA;
