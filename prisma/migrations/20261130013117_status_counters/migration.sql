-- totalCount without a scan (issue 9): beside active_member_count and pending_invitation_count
-- (migration 20261129300000_seat_counters), the organization row now counts its members and
-- invitations in every stored status, so Organization.members/invitations answer totalCount from
-- the row for any status filter. One trigger function per table keeps all of a table's counters
-- in one UPDATE of the organization row, only when a count changes, in the same transaction as
-- the change. An invitation PENDING past its expires_at still counts as PENDING here (the API
-- shows it as EXPIRED); the reader corrects for those through the new
-- (organization_id, status, expires_at) index. The page's own order (created_at DESC, id DESC)
-- now has an index of its own, so the first page is read off it instead of sorting the
-- organization's rows.

-- DropIndex
DROP INDEX "invitations_organization_id_created_at_idx";

-- AlterTable
ALTER TABLE "organizations" ADD COLUMN     "accepted_invitation_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "deactivated_member_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "declined_invitation_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "expired_invitation_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "invited_member_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "revoked_invitation_count" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "invitations_organization_id_created_at_id_idx" ON "invitations"("organization_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "invitations_organization_id_status_expires_at_idx" ON "invitations"("organization_id", "status", "expires_at");

UPDATE "organizations" o SET
  "accepted_invitation_count" = (SELECT count(*) FROM "invitations" i
    WHERE i."organization_id" = o."id" AND i."status" = 'ACCEPTED'),
  "declined_invitation_count" = (SELECT count(*) FROM "invitations" i
    WHERE i."organization_id" = o."id" AND i."status" = 'DECLINED'),
  "revoked_invitation_count" = (SELECT count(*) FROM "invitations" i
    WHERE i."organization_id" = o."id" AND i."status" = 'REVOKED'),
  "expired_invitation_count" = (SELECT count(*) FROM "invitations" i
    WHERE i."organization_id" = o."id" AND i."status" = 'EXPIRED'),
  "invited_member_count" = (SELECT count(*) FROM "members" m
    WHERE m."organization_id" = o."id" AND m."status" = 'INVITED'),
  "deactivated_member_count" = (SELECT count(*) FROM "members" m
    WHERE m."organization_id" = o."id" AND m."status" = 'DEACTIVATED');

ALTER TABLE "organizations" DROP CONSTRAINT "organizations_counts_check";
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_counts_check"
  CHECK ("active_member_count" >= 0 AND "pending_invitation_count" >= 0
    AND "accepted_invitation_count" >= 0 AND "declined_invitation_count" >= 0
    AND "revoked_invitation_count" >= 0 AND "expired_invitation_count" >= 0
    AND "invited_member_count" >= 0 AND "deactivated_member_count" >= 0);

-- One function per table now keeps all of its counters (the seat counters among them).
DROP TRIGGER "members_count_active_members_insert" ON "members";
DROP TRIGGER "members_count_active_members_update" ON "members";
DROP TRIGGER "members_count_active_members_delete" ON "members";
DROP FUNCTION "count_active_members"();
DROP TRIGGER "invitations_count_pending_invitations_insert" ON "invitations";
DROP TRIGGER "invitations_count_pending_invitations_update" ON "invitations";
DROP TRIGGER "invitations_count_pending_invitations_delete" ON "invitations";
DROP FUNCTION "count_pending_invitations"();

CREATE FUNCTION "count_members"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Each branch names only the transition tables its event has.
  IF TG_OP = 'INSERT' THEN
    UPDATE "organizations" o SET
      "invited_member_count" = o."invited_member_count" + d."invited_member_count",
      "active_member_count" = o."active_member_count" + d."active_member_count",
      "deactivated_member_count" = o."deactivated_member_count" + d."deactivated_member_count"
    FROM (SELECT c.organization_id,
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'INVITED'), 0) AS "invited_member_count",
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'ACTIVE'), 0) AS "active_member_count",
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'DEACTIVATED'), 0) AS "deactivated_member_count"
      FROM (SELECT n."organization_id" AS organization_id, n."status"::text AS status, 1 AS sign FROM new_rows n) c GROUP BY 1) d
    WHERE o."id" = d.organization_id AND (d."invited_member_count" <> 0 OR d."active_member_count" <> 0 OR d."deactivated_member_count" <> 0);
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE "organizations" o SET
      "invited_member_count" = o."invited_member_count" + d."invited_member_count",
      "active_member_count" = o."active_member_count" + d."active_member_count",
      "deactivated_member_count" = o."deactivated_member_count" + d."deactivated_member_count"
    FROM (SELECT c.organization_id,
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'INVITED'), 0) AS "invited_member_count",
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'ACTIVE'), 0) AS "active_member_count",
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'DEACTIVATED'), 0) AS "deactivated_member_count"
      FROM (SELECT p."organization_id" AS organization_id, p."status"::text AS status, -1 AS sign FROM old_rows p) c GROUP BY 1) d
    WHERE o."id" = d.organization_id AND (d."invited_member_count" <> 0 OR d."active_member_count" <> 0 OR d."deactivated_member_count" <> 0);
  ELSE
    UPDATE "organizations" o SET
      "invited_member_count" = o."invited_member_count" + d."invited_member_count",
      "active_member_count" = o."active_member_count" + d."active_member_count",
      "deactivated_member_count" = o."deactivated_member_count" + d."deactivated_member_count"
    FROM (SELECT c.organization_id,
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'INVITED'), 0) AS "invited_member_count",
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'ACTIVE'), 0) AS "active_member_count",
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'DEACTIVATED'), 0) AS "deactivated_member_count"
      FROM (SELECT n."organization_id" AS organization_id, n."status"::text AS status, 1 AS sign FROM new_rows n
        UNION ALL SELECT p."organization_id", p."status"::text, -1 FROM old_rows p) c GROUP BY 1) d
    WHERE o."id" = d.organization_id AND (d."invited_member_count" <> 0 OR d."active_member_count" <> 0 OR d."deactivated_member_count" <> 0);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "members_count_members_insert" AFTER INSERT ON "members"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_members"();
CREATE TRIGGER "members_count_members_update" AFTER UPDATE ON "members"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_members"();
CREATE TRIGGER "members_count_members_delete" AFTER DELETE ON "members"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_members"();

CREATE FUNCTION "count_invitations"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Each branch names only the transition tables its event has.
  IF TG_OP = 'INSERT' THEN
    UPDATE "organizations" o SET
      "pending_invitation_count" = o."pending_invitation_count" + d."pending_invitation_count",
      "accepted_invitation_count" = o."accepted_invitation_count" + d."accepted_invitation_count",
      "declined_invitation_count" = o."declined_invitation_count" + d."declined_invitation_count",
      "revoked_invitation_count" = o."revoked_invitation_count" + d."revoked_invitation_count",
      "expired_invitation_count" = o."expired_invitation_count" + d."expired_invitation_count"
    FROM (SELECT c.organization_id,
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'PENDING'), 0) AS "pending_invitation_count",
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'ACCEPTED'), 0) AS "accepted_invitation_count",
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'DECLINED'), 0) AS "declined_invitation_count",
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'REVOKED'), 0) AS "revoked_invitation_count",
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'EXPIRED'), 0) AS "expired_invitation_count"
      FROM (SELECT n."organization_id" AS organization_id, n."status"::text AS status, 1 AS sign FROM new_rows n) c GROUP BY 1) d
    WHERE o."id" = d.organization_id AND (d."pending_invitation_count" <> 0 OR d."accepted_invitation_count" <> 0 OR d."declined_invitation_count" <> 0 OR d."revoked_invitation_count" <> 0 OR d."expired_invitation_count" <> 0);
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE "organizations" o SET
      "pending_invitation_count" = o."pending_invitation_count" + d."pending_invitation_count",
      "accepted_invitation_count" = o."accepted_invitation_count" + d."accepted_invitation_count",
      "declined_invitation_count" = o."declined_invitation_count" + d."declined_invitation_count",
      "revoked_invitation_count" = o."revoked_invitation_count" + d."revoked_invitation_count",
      "expired_invitation_count" = o."expired_invitation_count" + d."expired_invitation_count"
    FROM (SELECT c.organization_id,
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'PENDING'), 0) AS "pending_invitation_count",
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'ACCEPTED'), 0) AS "accepted_invitation_count",
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'DECLINED'), 0) AS "declined_invitation_count",
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'REVOKED'), 0) AS "revoked_invitation_count",
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'EXPIRED'), 0) AS "expired_invitation_count"
      FROM (SELECT p."organization_id" AS organization_id, p."status"::text AS status, -1 AS sign FROM old_rows p) c GROUP BY 1) d
    WHERE o."id" = d.organization_id AND (d."pending_invitation_count" <> 0 OR d."accepted_invitation_count" <> 0 OR d."declined_invitation_count" <> 0 OR d."revoked_invitation_count" <> 0 OR d."expired_invitation_count" <> 0);
  ELSE
    UPDATE "organizations" o SET
      "pending_invitation_count" = o."pending_invitation_count" + d."pending_invitation_count",
      "accepted_invitation_count" = o."accepted_invitation_count" + d."accepted_invitation_count",
      "declined_invitation_count" = o."declined_invitation_count" + d."declined_invitation_count",
      "revoked_invitation_count" = o."revoked_invitation_count" + d."revoked_invitation_count",
      "expired_invitation_count" = o."expired_invitation_count" + d."expired_invitation_count"
    FROM (SELECT c.organization_id,
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'PENDING'), 0) AS "pending_invitation_count",
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'ACCEPTED'), 0) AS "accepted_invitation_count",
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'DECLINED'), 0) AS "declined_invitation_count",
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'REVOKED'), 0) AS "revoked_invitation_count",
        coalesce(sum(c.sign) FILTER (WHERE c.status = 'EXPIRED'), 0) AS "expired_invitation_count"
      FROM (SELECT n."organization_id" AS organization_id, n."status"::text AS status, 1 AS sign FROM new_rows n
        UNION ALL SELECT p."organization_id", p."status"::text, -1 FROM old_rows p) c GROUP BY 1) d
    WHERE o."id" = d.organization_id AND (d."pending_invitation_count" <> 0 OR d."accepted_invitation_count" <> 0 OR d."declined_invitation_count" <> 0 OR d."revoked_invitation_count" <> 0 OR d."expired_invitation_count" <> 0);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "invitations_count_invitations_insert" AFTER INSERT ON "invitations"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_invitations"();
CREATE TRIGGER "invitations_count_invitations_update" AFTER UPDATE ON "invitations"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_invitations"();
CREATE TRIGGER "invitations_count_invitations_delete" AFTER DELETE ON "invitations"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_invitations"();
