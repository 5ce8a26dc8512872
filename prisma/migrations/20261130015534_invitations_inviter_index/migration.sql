-- Organization.invitations(invitedById:) and its totalCount read an inviter's invitations through
-- an index instead of the whole organization (340 ms at 100,000 invitations); deleting a member
-- row (revoke, decline and expiry release INVITED members) no longer scans invitations for
-- ON DELETE SET NULL of invited_by_member_id (47 ms at 100,000).

-- CreateIndex
CREATE INDEX "invitations_invited_by_member_id_idx" ON "invitations"("invited_by_member_id");
