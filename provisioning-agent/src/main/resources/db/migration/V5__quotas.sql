-- Quotas: per experiment, and a site default (scope '*'). A NULL limit is no limit; an experiment's
-- limit replaces the site default's, field by field. Portable between H2 and PostgreSQL.

CREATE TABLE quotas (
    scope      VARCHAR(64) NOT NULL PRIMARY KEY,
    desktops   INT,
    gpus       INT,
    gpu_hours  BIGINT,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT quotas_not_negative CHECK ((desktops IS NULL OR desktops >= 0) AND (gpus IS NULL OR gpus >= 0)
        AND (gpu_hours IS NULL OR gpu_hours >= 0))
);
