-- Seat and pending counts without a scan (issue 9): each organization row carries how many ACTIVE
-- members and PENDING invitations it has, kept by statement-level triggers in the same
-- transaction as the change, whatever writes it (services, the CLI, a bulk INSERT). A trigger
-- touches the organization row only when its count changes; every path that changes a member's
-- or an invitation's status locks that row first already, so the lock order stays the same.

-- AlterTable
ALTER TABLE "organizations" ADD COLUMN     "active_member_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "pending_invitation_count" INTEGER NOT NULL DEFAULT 0;

UPDATE "organizations" o SET
  "active_member_count" = (SELECT count(*) FROM "members" m
    WHERE m."organization_id" = o."id" AND m."status" = 'ACTIVE'),
  "pending_invitation_count" = (SELECT count(*) FROM "invitations" i
    WHERE i."organization_id" = o."id" AND i."status" = 'PENDING');

ALTER TABLE "organizations" ADD CONSTRAINT "organizations_counts_check"
  CHECK ("active_member_count" >= 0 AND "pending_invitation_count" >= 0);

-- Transition tables allow one event per trigger: one function per table, three triggers each.
CREATE FUNCTION "count_active_members"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Each branch names only the transition tables its event has.
  IF TG_OP = 'INSERT' THEN
    UPDATE "organizations" o SET "active_member_count" = o."active_member_count" + d.delta
    FROM (SELECT n."organization_id" AS organization_id, count(*) AS delta FROM new_rows n
      WHERE n."status" = 'ACTIVE' GROUP BY 1) d
    WHERE o."id" = d.organization_id;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE "organizations" o SET "active_member_count" = o."active_member_count" + d.delta
    FROM (SELECT p."organization_id" AS organization_id, -count(*) AS delta FROM old_rows p
      WHERE p."status" = 'ACTIVE' GROUP BY 1) d
    WHERE o."id" = d.organization_id;
  ELSE
    UPDATE "organizations" o SET "active_member_count" = o."active_member_count" + d.delta
    FROM (SELECT c.organization_id, sum(c.delta) AS delta FROM (
        SELECT n."organization_id" AS organization_id, 1 AS delta FROM new_rows n
          WHERE n."status" = 'ACTIVE'
        UNION ALL
        SELECT p."organization_id", -1 FROM old_rows p WHERE p."status" = 'ACTIVE'
      ) c GROUP BY 1 HAVING sum(c.delta) <> 0) d
    WHERE o."id" = d.organization_id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "members_count_active_members_insert" AFTER INSERT ON "members"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_active_members"();
CREATE TRIGGER "members_count_active_members_update" AFTER UPDATE ON "members"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_active_members"();
CREATE TRIGGER "members_count_active_members_delete" AFTER DELETE ON "members"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_active_members"();

CREATE FUNCTION "count_pending_invitations"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Each branch names only the transition tables its event has.
  IF TG_OP = 'INSERT' THEN
    UPDATE "organizations" o SET "pending_invitation_count" = o."pending_invitation_count" + d.delta
    FROM (SELECT n."organization_id" AS organization_id, count(*) AS delta FROM new_rows n
      WHERE n."status" = 'PENDING' GROUP BY 1) d
    WHERE o."id" = d.organization_id;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE "organizations" o SET "pending_invitation_count" = o."pending_invitation_count" + d.delta
    FROM (SELECT p."organization_id" AS organization_id, -count(*) AS delta FROM old_rows p
      WHERE p."status" = 'PENDING' GROUP BY 1) d
    WHERE o."id" = d.organization_id;
  ELSE
    UPDATE "organizations" o SET "pending_invitation_count" = o."pending_invitation_count" + d.delta
    FROM (SELECT c.organization_id, sum(c.delta) AS delta FROM (
        SELECT n."organization_id" AS organization_id, 1 AS delta FROM new_rows n
          WHERE n."status" = 'PENDING'
        UNION ALL
        SELECT p."organization_id", -1 FROM old_rows p WHERE p."status" = 'PENDING'
      ) c GROUP BY 1 HAVING sum(c.delta) <> 0) d
    WHERE o."id" = d.organization_id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "invitations_count_pending_invitations_insert" AFTER INSERT ON "invitations"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_pending_invitations"();
CREATE TRIGGER "invitations_count_pending_invitations_update" AFTER UPDATE ON "invitations"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_pending_invitations"();
CREATE TRIGGER "invitations_count_pending_invitations_delete" AFTER DELETE ON "invitations"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "count_pending_invitations"();
