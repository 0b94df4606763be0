-- The ASP.NET Core Data Protection key ring of a cluster, PostgreSQL (SqlXmlRepository: one row per key or revocation).
-- Applied at silo start-up by OrderActorsSchema (recorded in orderactors_schema_scripts); re-runnable by hand.
--
-- Every silo and API process of a cluster reads the same key ring here, so what one node protected (a webhook's
-- signing secret) every other node can unprotect. Rows are only added: Data Protection never changes an element it
-- stored; it adds a new key before the current one expires and keeps the old ones to unprotect what they protected.
CREATE TABLE IF NOT EXISTS orderactors_data_protection_keys (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    friendly_name  text        NOT NULL,      -- as Data Protection names the element: key-{guid}, revocation-{time}
    xml            text        NOT NULL,      -- the element as Data Protection wrote it
    created_at     timestamptz NOT NULL DEFAULT now()
);
