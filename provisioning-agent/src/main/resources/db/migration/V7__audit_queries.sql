-- The audit log is read as well as written (heps audit list, GET /v1/audit): each entry names
-- the user it concerns (a desktop's owner, an account, a member added or removed), so that
-- "everything about alice" is the entries she made (actor) or that concern her (username).
-- Earlier entries get it from their subject (desktop/<proposal>/<user>, account:<user>) or detail
-- (username=<user>).
-- Portable between H2 and PostgreSQL.

ALTER TABLE audit_log ADD COLUMN username VARCHAR(48);

UPDATE audit_log SET username = REGEXP_REPLACE(subject, '^desktop/[^/]+/', '')
    WHERE subject LIKE 'desktop/%/%' AND LENGTH(REGEXP_REPLACE(subject, '^desktop/[^/]+/', '')) BETWEEN 1 AND 48;
UPDATE audit_log SET username = SUBSTRING(subject FROM 9)
    WHERE subject LIKE 'account:%' AND LENGTH(subject) BETWEEN 9 AND 56;
UPDATE audit_log SET username = SUBSTRING(detail FROM 10)
    WHERE action IN ('member.add', 'member.remove') AND detail LIKE 'username=%' AND LENGTH(detail) <= 57;

CREATE INDEX audit_log_username ON audit_log (username, at);
CREATE INDEX audit_log_actor ON audit_log (actor, at);
CREATE INDEX audit_log_subject ON audit_log (subject, at);
