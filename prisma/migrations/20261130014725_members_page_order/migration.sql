-- The members connection's order (created_at DESC, id DESC) gets an index of its own (issue 9): in
-- an organization with 100,000 members the first page was a sort of all of them (134 ms), now it
-- is read off the index like the invitations' page.

-- CreateIndex
CREATE INDEX "members_organization_id_created_at_id_idx" ON "members"("organization_id", "created_at" DESC, "id" DESC);