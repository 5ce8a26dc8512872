// Audit events: one row per membership change, written in the same transaction as the change.
import type { Caller } from '../context.ts';
import type { Prisma, Transaction } from '../db.ts';

export interface AuditEntry {
  organizationId: string;
  action: string;
  targetType: string;
  targetId: string;
  data?: Prisma.InputJsonObject;
}

/** Who an audit event names as its actor. */
export function auditActor(caller: Caller): {
  actorType: 'API_KEY' | 'MEMBER' | 'ANONYMOUS';
  actorId: string | null;
} {
  return caller.kind === 'apiKey'
    ? { actorType: 'API_KEY', actorId: caller.apiKeyId }
    : caller.kind === 'member'
      ? { actorType: 'MEMBER', actorId: caller.memberId }
      : { actorType: 'ANONYMOUS', actorId: null };
}

export async function recordAudit(
  tx: Transaction,
  caller: Caller,
  entry: AuditEntry,
  requestId?: string,
): Promise<void> {
  const actor = auditActor(caller);
  await tx.auditEvent.create({
    data: { ...entry, data: entry.data ?? {}, ...actor, requestId: requestId ?? null },
  });
}
