-- Idle policy: an experiment may set its own idle limits (off or an ISO-8601 duration; NULL: its
-- beamline's or the site's), and each desktop keeps when it last became running and when the
-- reconcile loop first found it unused for longer than its limit (it shelves it at a later
-- pass, once every Guacamole node has reported again). Portable between H2 and PostgreSQL.

ALTER TABLE experiments ADD COLUMN idle_disconnect_after VARCHAR(32);
ALTER TABLE experiments ADD COLUMN idle_shelve_after VARCHAR(32);
ALTER TABLE desktops ADD COLUMN awake_since TIMESTAMP WITH TIME ZONE;
ALTER TABLE desktops ADD COLUMN idle_due_since TIMESTAMP WITH TIME ZONE;
