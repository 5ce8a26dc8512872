// API keys: backends' credentials, created from the command line, shown once, stored as a hash.
import { prisma } from '../db.ts';
import { generateToken } from '../auth/tokens.ts';
import { nameSchema, parse } from './validation.ts';
import { isUuid } from './validation.ts';

export interface CreatedApiKey {
  id: string;
  name: string;
  /** The secret; it cannot be recovered later. */
  key: string;
}

export async function createApiKey(name: string): Promise<CreatedApiKey> {
  const validName = parse(nameSchema, name, 'name');
  const { token, hash } = generateToken('apiKey');
  const row = await prisma.apiKey.create({
    data: { name: validName, keyHash: hash, prefix: token.slice(0, 10) },
  });
  return { id: row.id, name: row.name, key: token };
}

export async function listApiKeys() {
  return prisma.apiKey.findMany({ orderBy: { createdAt: 'asc' } });
}

/** Revokes a key by id or by its displayed prefix; returns whether one was revoked. */
export async function revokeApiKey(idOrPrefix: string): Promise<boolean> {
  const result = await prisma.apiKey.updateMany({
    where: {
      revokedAt: null,
      ...(isUuid(idOrPrefix) ? { id: idOrPrefix } : { prefix: idOrPrefix }),
    },
    data: { revokedAt: new Date() },
  });
  return result.count > 0;
}
