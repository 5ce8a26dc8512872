-- Trigram indexes for the emailContains filters of Organization.members and Organization.invitations
-- (a substring anywhere in the address, LIKE '%…%', which no B-tree serves). pg_trgm ships with
-- PostgreSQL (contrib) and is a trusted extension since PostgreSQL 13: the database's owner may
-- create it. The embedded database loads it at start (src/db/embedded.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateIndex
CREATE INDEX "members_email_normalized_trgm_idx" ON "members" USING GIN ("email_normalized" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "invitations_email_normalized_trgm_idx" ON "invitations" USING GIN ("email_normalized" gin_trgm_ops);
