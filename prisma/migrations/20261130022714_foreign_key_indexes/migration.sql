-- CreateIndex
CREATE INDEX "members_invited_by_member_id_idx" ON "members"("invited_by_member_id");

-- CreateIndex
CREATE INDEX "invitations_member_id_idx" ON "invitations"("member_id");

-- CreateIndex
CREATE INDEX "sign_in_links_organization_id_idx" ON "sign_in_links"("organization_id");

-- CreateIndex
CREATE INDEX "email_outbox_sign_in_link_id_idx" ON "email_outbox"("sign_in_link_id");
