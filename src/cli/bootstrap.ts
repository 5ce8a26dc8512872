// First run: an organization, its owner, an API key and an owner session, and what to do next.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { prisma } from '../db.ts';
import { ConflictError } from '../errors.ts';
import { createApiKey } from '../services/api-keys.ts';
import { issueSession } from '../services/sessions.ts';
import {
  emailSchema,
  nameSchema,
  normalizeEmail,
  parse,
  slugSchema,
} from '../services/validation.ts';

export interface BootstrapResult {
  organization: { id: string; slug: string; name: string };
  owner: { id: string; email: string };
  apiKey: { id: string; key: string };
  session: { token: string; expiresAt: string };
  /** What to do next; `serverRunning` when a Roster server already answers at `graphqlUrl`. */
  instructions(graphqlUrl: string, serverRunning: boolean): string;
}

export async function bootstrap(options: {
  name?: string;
  slug?: string;
  email?: string;
}): Promise<BootstrapResult> {
  const name = parse(nameSchema, options.name ?? 'My Organization', 'name');
  const slug = parse(slugSchema, options.slug ?? 'my-org', 'slug');
  const email = parse(emailSchema, options.email ?? 'owner@example.com', 'email');
  if (await prisma.organization.findUnique({ where: { slug } })) {
    throw new ConflictError(
      `An organization with the slug "${slug}" already exists; pass --slug to choose another`,
    );
  }
  const apiKey = await createApiKey(`bootstrap (${slug})`);
  const { organization, owner, session } = await prisma.$transaction(async (tx) => {
    const organization = await tx.organization.create({
      data: { name, slug, defaultRedirectUrl: 'http://localhost:3000/accept-invitation' },
    });
    const owner = await tx.member.create({
      data: {
        organizationId: organization.id,
        email,
        emailNormalized: normalizeEmail(email),
        name: 'Owner',
        status: 'ACTIVE',
        roles: ['owner'],
        activatedAt: new Date(),
      },
    });
    await tx.auditEvent.create({
      data: {
        organizationId: organization.id,
        action: 'organization.bootstrapped',
        actorType: 'SYSTEM',
        targetType: 'Organization',
        targetId: organization.id,
      },
    });
    const session = await issueSession(tx, owner.id);
    return { organization, owner, session };
  });
  return {
    organization: {
      id: encodeGlobalID('Organization', organization.id),
      slug,
      name,
    },
    owner: { id: encodeGlobalID('Member', owner.id), email },
    apiKey: { id: apiKey.id, key: apiKey.key },
    session: { token: session.token, expiresAt: session.expiresAt.toISOString() },
    instructions: (graphqlUrl, serverRunning) => `Roster is ready.

Organization "${name}" (slug ${slug}) with owner ${email}.

API key (for your backend; shown only now):
  ${apiKey.key}
Owner session (acts as ${email}; expires ${session.expiresAt.toISOString()}):
  ${session.token}

Next: ${serverRunning ? 'open' : 'run `npm start`, open'} ${graphqlUrl} and paste into the Headers tab:
  { "Authorization": "Bearer ${apiKey.key}" }
then run:
  { organization(by: { slug: "${slug}" }) { ... on Organization { id name slug } } }
`,
  };
}
