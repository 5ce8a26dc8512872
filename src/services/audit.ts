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

export async function recordAudit(
  tx: Transaction,
  caller: Caller,
  entry: AuditEntry,
  requestId?: string,
): Promise<void> {
  const actor =
    caller.kind === 'apiKey'
      ? { actorType: 'API_KEY' as const, actorId: caller.apiKeyId }
      : caller.kind === 'member'
        ? { actorType: 'MEMBER' as const, actorId: caller.memberId }
        : { actorType: 'ANONYMOUS' as const, actorId: null };
  await tx.auditEvent.create({
    data: { ...entry, data: entry.data ?? {}, ...actor, requestId: requestId ?? null },
  });
}
