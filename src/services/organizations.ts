// Organizations: create, update settings, delete.
import { z } from 'zod';
import { assertRedirectAllowed, organizationRedirectOrigins } from '../auth/redirect-origins.ts';
import type { Context } from '../context.ts';
import { prisma, type Prisma } from '../db.ts';
import { NotFoundError } from '../errors.ts';
import { recordAudit } from './audit.ts';
import { lockOrganization } from './seats.ts';
import {
  conflictOnUnique,
  domainSchema,
  httpUrlSchema,
  nameSchema,
  parse,
  slugSchema,
} from './validation.ts';

const settingsSchema = z.object({
  allowedEmailDomains: z.array(domainSchema).max(100).nullish(),
  invitePolicy: z.enum(['ALL_ALLOWED', 'RESTRICTED_TO_DOMAINS', 'DISABLED']).nullish(),
  seatLimit: z.number().int().min(1).max(1_000_000).nullish(),
  pendingInvitationLimit: z.number().int().min(0).max(1_000_000).nullish(),
  defaultInviteExpirationMinutes: z.number().int().min(5).max(10080).nullish(),
  defaultRedirectUrl: httpUrlSchema.nullish(),
  /** Origins (scheme://host[:port]) this organization's links may point to; [] = all configured. */
  allowedRedirectOrigins: z.array(z.string().max(300)).max(50).nullish(),
});

const createSchema = settingsSchema.extend({
  name: nameSchema,
  slug: slugSchema,
  externalId: z.string().trim().min(1).max(200).nullish(),
});

const updateSchema = settingsSchema.extend({
  name: nameSchema.nullish(),
  slug: slugSchema.nullish(),
  externalId: z.string().trim().min(1).max(200).nullish(),
});

export type CreateOrganizationInput = z.input<typeof createSchema>;
export type UpdateOrganizationInput = z.input<typeof updateSchema>;

/** Settings fields present in the input: undefined leaves a field alone, null clears it. */
function settingsData(input: z.infer<typeof settingsSchema>) {
  const data: Prisma.OrganizationUpdateInput = {};
  if (input.allowedEmailDomains !== undefined) {
    data.allowedEmailDomains = [...new Set(input.allowedEmailDomains ?? [])];
  }
  if (input.invitePolicy) data.invitePolicy = input.invitePolicy;
  if (input.seatLimit !== undefined) data.seatLimit = input.seatLimit;
  if (input.pendingInvitationLimit !== undefined)
    data.pendingInvitationLimit = input.pendingInvitationLimit;
  if (input.defaultInviteExpirationMinutes !== undefined) {
    data.defaultInviteExpirationMinutes = input.defaultInviteExpirationMinutes;
  }
  if (input.defaultRedirectUrl !== undefined) data.defaultRedirectUrl = input.defaultRedirectUrl;
  if (input.allowedRedirectOrigins !== undefined) {
    data.allowedRedirectOrigins = organizationRedirectOrigins(
      input.allowedRedirectOrigins ?? [],
      'input.allowedRedirectOrigins',
    );
  }
  return data;
}

/**
 * Where links point must stay allowed: when the default redirect URL or the organization's own
 * origins change, the default (as it will be) must be on an allowed origin.
 */
function assertRedirectSettings(
  data: Prisma.OrganizationUpdateInput,
  current: { defaultRedirectUrl: string | null; allowedRedirectOrigins: string[] },
): void {
  if (data.defaultRedirectUrl === undefined && data.allowedRedirectOrigins === undefined) return;
  const defaultRedirectUrl =
    data.defaultRedirectUrl === undefined
      ? current.defaultRedirectUrl
      : (data.defaultRedirectUrl as string | null);
  const allowedRedirectOrigins =
    data.allowedRedirectOrigins === undefined
      ? current.allowedRedirectOrigins
      : (data.allowedRedirectOrigins as string[]);
  if (defaultRedirectUrl) assertRedirectAllowed(defaultRedirectUrl, { allowedRedirectOrigins });
}

export async function createOrganization(ctx: Context, rawInput: CreateOrganizationInput) {
  const input = parse(createSchema, rawInput);
  const settings = settingsData(input);
  assertRedirectSettings(settings, { defaultRedirectUrl: null, allowedRedirectOrigins: [] });
  try {
    return await prisma.$transaction(async (tx) => {
      const organization = await tx.organization.create({
        data: {
          ...(settings as Prisma.OrganizationCreateInput),
          name: input.name,
          slug: input.slug,
          externalId: input.externalId ?? null,
        },
      });
      await recordAudit(
        tx,
        ctx.caller,
        {
          organizationId: organization.id,
          action: 'organization.created',
          targetType: 'Organization',
          targetId: organization.id,
        },
        ctx.requestId,
      );
      return organization;
    });
  } catch (error) {
    conflictOnUnique(error, 'An organization with this slug or external id already exists');
  }
}

export async function updateOrganization(
  ctx: Context,
  organizationId: string,
  rawInput: UpdateOrganizationInput,
) {
  const input = parse(updateSchema, rawInput);
  const data = settingsData(input);
  if (input.name) data.name = input.name;
  if (input.slug) data.slug = input.slug;
  if (input.externalId !== undefined) data.externalId = input.externalId;
  try {
    return await prisma.$transaction(async (tx) => {
      // Two updates at once must not each pass the redirect check against the other's old value.
      await lockOrganization(tx, organizationId);
      const current = await tx.organization.findUnique({
        where: { id: organizationId },
        select: { defaultRedirectUrl: true, allowedRedirectOrigins: true },
      });
      if (!current) throw new NotFoundError('Organization');
      assertRedirectSettings(data, current);
      const organization = await tx.organization.update({ where: { id: organizationId }, data });
      await recordAudit(
        tx,
        ctx.caller,
        {
          organizationId,
          action: 'organization.updated',
          targetType: 'Organization',
          targetId: organizationId,
          data: { fields: Object.keys(data) },
        },
        ctx.requestId,
      );
      return organization;
    });
  } catch (error) {
    conflictOnUnique(error, 'An organization with this slug or external id already exists');
  }
}

/** Deletes the organization and, by cascade, everything in it. */
export async function deleteOrganization(organizationId: string) {
  const deleted = await prisma.organization.deleteMany({ where: { id: organizationId } });
  if (deleted.count === 0) throw new NotFoundError('Organization');
  return organizationId;
}
