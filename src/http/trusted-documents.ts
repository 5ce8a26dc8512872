// Trusted documents: with TRUSTED_DOCUMENTS set, only the operations of the frontend's manifest run.
// The manifest is what GraphQL Code Generator's client preset writes with `persistedDocuments`:
// { "<sha256 of the document>": "<document>" }. A client sends the hash instead of the query, as
// `documentId` ("sha256:<hash>" or "<hash>", GraphQL over HTTP's persisted documents) or in
// `extensions.persistedQuery.sha256Hash` (Apollo's format); a `query` is refused.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { GraphQLParams, Plugin } from 'graphql-yoga';

/** Reads and checks a manifest: every key must be the SHA-256 of its document. */
export function loadTrustedDocuments(file: string): ReadonlyMap<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`TRUSTED_DOCUMENTS: cannot read ${file} as JSON (${(error as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`TRUSTED_DOCUMENTS: ${file} must hold an object { "<sha256>": "<document>" }`);
  }
  const documents = new Map<string, string>();
  for (const [hash, document] of Object.entries(parsed)) {
    if (typeof document !== 'string') {
      throw new Error(`TRUSTED_DOCUMENTS: the entry ${hash} is not a string`);
    }
    const actual = crypto.createHash('sha256').update(document).digest('hex');
    if (actual !== hash.toLowerCase()) {
      throw new Error(`TRUSTED_DOCUMENTS: the entry ${hash} is not the SHA-256 of its document`);
    }
    documents.set(actual, document);
  }
  return documents;
}

function documentIdOf(params: GraphQLParams & { documentId?: unknown }): string | null {
  const persisted = (params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)
    ?.persistedQuery?.sha256Hash;
  const id = typeof params.documentId === 'string' ? params.documentId : persisted;
  if (typeof id !== 'string') return null;
  return id.replace(/^sha256:/, '').toLowerCase();
}

export function useTrustedDocuments(documents: ReadonlyMap<string, string>): Plugin {
  return usePersistedOperations({
    allowArbitraryOperations: false,
    extractPersistedOperationId: documentIdOf,
    getPersistedOperation: (id) => documents.get(id) ?? null,
    customErrors: {
      persistedQueryOnly: {
        message: 'Only trusted documents run here: send documentId instead of query',
        extensions: { code: 'TRUSTED_DOCUMENT_REQUIRED', http: { status: 400 } },
      },
      keyNotFound: {
        message: 'Send the document id (documentId: "sha256:<hash>")',
        extensions: { code: 'TRUSTED_DOCUMENT_REQUIRED', http: { status: 400 } },
      },
      notFound: {
        message: 'Unknown document id',
        extensions: { code: 'TRUSTED_DOCUMENT_NOT_FOUND', http: { status: 400 } },
      },
    },
  }) as Plugin;
}
