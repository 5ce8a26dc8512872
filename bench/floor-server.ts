// The floor for inviteMember: what the same writes cost with nothing in between. node:http and pg
// only, on Roster's own tables: the API key looked up by its hash, then one transaction that locks
// the organization row, checks for an existing member and a pending invitation, and inserts the
// member, the invitation, the outbox row and the audit event, as Roster's invite does. It takes
// Roster's request body (a GraphQL POST with `variables.input`) and answers in its shape, so the
// bench sends both the same requests and checks both the same way. Not a GraphQL server.
//
// POST /read is the floor for the member session read (bench/operations.ts SESSION_READ): the
// session looked up by its token's hash and the whole answer (viewer, organization, 50 members,
// 50 invitations with inviter and latest mail, both totalCounts from the organization's counters)
// built by PostgreSQL as JSON in one statement, which node:http sends on as it is. It checks the
// session (live, member ACTIVE) but no permission: nothing any GraphQL server could do for that
// read costs less.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');
const pool = new pg.Pool({
  connectionString: databaseUrl,
  max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
});

const sha256 = (value: string) => crypto.createHash('sha256').update(value, 'utf8').digest('hex');
const EXPIRATION_MINUTES = 60 * 24 * 7;

interface InviteInput {
  organization: { id: string };
  email: string;
  roles?: string[];
}

type Answer = { status: number; body: unknown };

function typed(typename: string, fields: Record<string, unknown> = {}): Answer {
  return { status: 200, body: { data: { inviteMember: { __typename: typename, ...fields } } } };
}

async function invite(authorization: string | undefined, input: InviteInput): Promise<Answer> {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) return { status: 401, body: { errors: [{ message: 'No bearer' }] } };
  const key = await pool.query<{ id: string; revoked_at: Date | null }>(
    'SELECT id, revoked_at FROM api_keys WHERE key_hash = $1',
    [sha256(token)],
  );
  const apiKey = key.rows[0];
  if (!apiKey || apiKey.revoked_at) return { status: 401, body: { errors: [{ message: 'Key' }] } };
  const organizationId = Buffer.from(input.organization.id, 'base64').toString().split(':')[1];
  const email = input.email;
  const emailNormalized = email.trim().toLowerCase();
  const roles = input.roles ?? ['member'];
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const org = await client.query<{
      id: string;
      name: string;
      default_redirect_url: string | null;
      default_invite_expiration_minutes: number | null;
    }>(
      `SELECT id, name, default_redirect_url, default_invite_expiration_minutes
         FROM organizations WHERE id = $1 FOR UPDATE`,
      [organizationId],
    );
    const organization = org.rows[0];
    if (!organization) {
      await client.query('ROLLBACK');
      return typed('NotFoundError', { code: 'NOT_FOUND', message: 'Organization' });
    }
    const existing = await client.query<{ status: string }>(
      'SELECT status FROM members WHERE organization_id = $1 AND email_normalized = $2',
      [organizationId, emailNormalized],
    );
    if (existing.rows[0]?.status === 'ACTIVE') {
      await client.query('ROLLBACK');
      return typed('AlreadyMemberError', { code: 'ALREADY_MEMBER', message: email });
    }
    const pending = await client.query(
      `SELECT id FROM invitations
        WHERE organization_id = $1 AND email_normalized = $2 AND status = 'PENDING'`,
      [organizationId, emailNormalized],
    );
    if (pending.rowCount) {
      await client.query('ROLLBACK');
      return typed('AlreadyInvitedError', { code: 'ALREADY_INVITED', message: email });
    }
    const now = new Date();
    const expiresAt = new Date(
      now.getTime() +
        (organization.default_invite_expiration_minutes ?? EXPIRATION_MINUTES) * 60_000,
    );
    const member = await client.query<{ id: string }>(
      `INSERT INTO members (organization_id, email, email_normalized, status, roles,
         invited_by_api_key_id, updated_at)
       VALUES ($1, $2, $3, 'INVITED', $4, $5, $6) RETURNING id`,
      [organizationId, email, emailNormalized, roles, apiKey.id, now],
    );
    const memberId = member.rows[0]!.id;
    const secret = `ri_${crypto.randomBytes(32).toString('base64url')}`;
    const redirectUrl = organization.default_redirect_url ?? 'http://localhost:3000/accept';
    const invitation = await client.query<{ id: string }>(
      `INSERT INTO invitations (organization_id, member_id, email, email_normalized, roles,
         token_hash, expires_at, redirect_url, invited_by_api_key_id, last_sent_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
      [
        organizationId,
        memberId,
        email,
        emailNormalized,
        roles,
        sha256(secret),
        expiresAt,
        redirectUrl,
        apiKey.id,
        now,
      ],
    );
    const invitationId = invitation.rows[0]!.id;
    const link = new URL(redirectUrl);
    link.searchParams.set('token', secret);
    await client.query(
      `INSERT INTO email_outbox (organization_id, invitation_id, kind, to_address, payload, secret,
         updated_at)
       VALUES ($1, $2, 'INVITATION', $3, $4, $5, $6)`,
      [
        organizationId,
        invitationId,
        email,
        { organizationName: organization.name, inviterName: null, roles, expiresAt },
        link.toString(),
        now,
      ],
    );
    await client.query(
      `INSERT INTO audit_events (organization_id, action, actor_type, actor_id, target_type,
         target_id, data)
       VALUES ($1, 'member.invited', 'API_KEY', $2, 'Member', $3, $4)`,
      [organizationId, apiKey.id, memberId, { invitationId, email, roles, reinvited: false }],
    );
    await client.query('COMMIT');
    return typed('InviteMemberPayload', {
      invitation: { id: Buffer.from(`Invitation:${invitationId}`).toString('base64') },
      member: { id: Buffer.from(`Member:${memberId}`).toString('base64') },
    });
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    if ((error as { code?: string }).code === '23505') {
      return typed('AlreadyInvitedError', { code: 'ALREADY_INVITED', message: email });
    }
    throw error;
  } finally {
    client.release();
  }
}

// Global ids as Roster's: base64 of "Type:uuid" (under 76 characters, so no line breaks).
const globalId = (type: string, column: string) =>
  `encode(convert_to('${type}:' || ${column}::text, 'UTF8'), 'base64')`;
const iso = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const SESSION_READ_SQL = `
  SELECT json_build_object('data', json_build_object('viewer', json_build_object(
    'kind', 'MEMBER',
    'member', json_build_object('id', ${globalId('Member', 'v.id')}, 'email', v.email,
      'name', v.name, 'roles', v.roles),
    'organization', json_build_object(
      'id', ${globalId('Organization', 'o.id')}, 'name', o.name, 'slug', o.slug,
      'members', json_build_object(
        'totalCount', o.invited_member_count + o.active_member_count + o.deactivated_member_count,
        'edges', (SELECT coalesce(json_agg(json_build_object('node', json_build_object(
            'id', ${globalId('Member', 'm.id')}, 'email', m.email, 'name', m.name,
            'status', m.status, 'roles', m.roles)) ORDER BY m.created_at DESC, m.id DESC), '[]')
          FROM (SELECT * FROM members WHERE organization_id = o.id
                ORDER BY created_at DESC, id DESC LIMIT 50) m)),
      'invitations', json_build_object(
        'totalCount', o.pending_invitation_count + o.accepted_invitation_count
          + o.declined_invitation_count + o.revoked_invitation_count + o.expired_invitation_count,
        'edges', (SELECT coalesce(json_agg(json_build_object('node', json_build_object(
            'id', ${globalId('Invitation', 'i.id')}, 'email', i.email,
            'status', CASE WHEN i.status = 'PENDING' AND i.expires_at <= now() THEN 'EXPIRED'
                           ELSE i.status::text END,
            'roles', i.roles, 'expiresAt', ${iso('i.expires_at')},
            'invitedBy', CASE WHEN b.id IS NULL THEN NULL ELSE
              json_build_object('id', ${globalId('Member', 'b.id')}, 'email', b.email) END,
            'delivery', CASE WHEN e.status IS NULL THEN NULL ELSE
              json_build_object('status', e.status, 'attempts', e.attempts,
                'sentAt', ${iso('e.sent_at')}) END))
            ORDER BY i.created_at DESC, i.id DESC), '[]')
          FROM (SELECT * FROM invitations WHERE organization_id = o.id
                ORDER BY created_at DESC, id DESC LIMIT 50) i
          LEFT JOIN members b ON b.id = i.invited_by_member_id
          LEFT JOIN LATERAL (SELECT status, attempts, sent_at FROM email_outbox
                              WHERE invitation_id = i.id
                              ORDER BY created_at DESC, status ASC LIMIT 1) e ON true))))))::text
    AS body
  FROM member_sessions s
  JOIN members v ON v.id = s.member_id
  JOIN organizations o ON o.id = v.organization_id
  WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
    AND v.status = 'ACTIVE'`;

async function sessionRead(authorization: string | undefined): Promise<string | null> {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) return null;
  // A named statement: PostgreSQL plans it once per connection (its planning costs more than
  // running it).
  const result = await pool.query<{ body: string }>({
    name: 'session-read',
    text: SESSION_READ_SQL,
    values: [sha256(token)],
  });
  return result.rows[0]?.body ?? null;
}

function readRoute(req: http.IncomingMessage, res: http.ServerResponse) {
  req.resume();
  req.on('end', () => {
    sessionRead(req.headers.authorization)
      .catch((error: unknown) => {
        console.error(error);
        return undefined;
      })
      .then((body) => {
        res.writeHead(body ? 200 : body === null ? 401 : 500, {
          'content-type': 'application/json',
        });
        res.end(
          body ??
            JSON.stringify({
              errors: [{ message: body === null ? 'Session' : 'Unexpected error.' }],
            }),
        );
      });
  });
}

const server = http.createServer((req, res) => {
  if (req.url === '/read') return readRoute(req, res);
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let answer: Promise<Answer>;
    try {
      const { variables } = JSON.parse(Buffer.concat(chunks).toString()) as {
        variables: { input: InviteInput };
      };
      answer = invite(req.headers.authorization, variables.input);
    } catch {
      answer = Promise.resolve({ status: 400, body: { errors: [{ message: 'Bad request' }] } });
    }
    answer
      .catch((error: unknown) => {
        console.error(error);
        return { status: 500, body: { errors: [{ message: 'Unexpected error.' }] } };
      })
      .then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`,
  );
});
