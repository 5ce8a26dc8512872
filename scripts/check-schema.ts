// No silent breaking changes: compares schema.graphql with the one on the previous commit (or on
// the merge-base with SCHEMA_BASE_REF, e.g. origin/main in a pull request) using
// graphql-inspector's diff. A breaking change fails unless a commit in that range says it is
// intended, with a line "Schema-Breaking: intended" or the tag "[breaking-schema]" in its message;
// dangerous changes are printed and pass.
//   npm run schema:check-breaking
//   SCHEMA_BASE_REF=origin/main npm run schema:check-breaking
//   npm run schema:check-breaking -- --repo DIR --schema schema.graphql
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';

/** A commit message with either marker says the breaking changes in its range are intended. */
const INTENDED = /^schema-breaking:\s*intended\s*$|\[breaking-schema\]/im;

export function marksBreakingIntended(message: string): boolean {
  return INTENDED.test(message);
}

export interface SchemaCheck {
  breaking: Change[];
  dangerous: Change[];
  safe: Change[];
  /** A commit in the range carries the marker. */
  intended: boolean;
  /** False only for breaking changes nobody marked as intended. */
  ok: boolean;
  report: string;
}

/** Compares two SDL texts; `commitMessages` are those of the commits between them. */
export async function checkSchemaChange(input: {
  oldSdl: string;
  newSdl: string;
  commitMessages: string[];
  /** Names the comparison in the report, e.g. "HEAD~1 → working tree". */
  label?: string;
}): Promise<SchemaCheck> {
  const changes = await diff(buildSchema(input.oldSdl), buildSchema(input.newSdl));
  const of = (level: CriticalityLevel) => changes.filter((c) => c.criticality.level === level);
  const breaking = of(CriticalityLevel.Breaking);
  const dangerous = of(CriticalityLevel.Dangerous);
  const safe = of(CriticalityLevel.NonBreaking);
  const intended = input.commitMessages.some(marksBreakingIntended);
  const ok = breaking.length === 0 || intended;

  const lines = [
    `Schema changes${input.label ? ` (${input.label})` : ''}: ${breaking.length} breaking, ` +
      `${dangerous.length} dangerous, ${safe.length} safe`,
  ];
  const list = (title: string, items: Change[]) => {
    if (items.length === 0) return;
    lines.push(title);
    for (const change of items) {
      const reason = change.criticality.reason ? ` (${change.criticality.reason})` : '';
      lines.push(`  - ${change.message}${reason}`);
    }
  };
  list('Breaking:', breaking);
  list('Dangerous (clients may need care; not a failure):', dangerous);
  if (breaking.length > 0) {
    lines.push(
      intended
        ? 'The breaking changes are marked as intended in a commit message: passing.'
        : 'Breaking changes need a commit that says so: add a line "Schema-Breaking: intended" ' +
            '(or "[breaking-schema]") to the commit message, or keep the old fields and deprecate them.',
    );
  }
  return { breaking, dangerous, safe, intended, ok, report: lines.join('\n') };
}

function git(repo: string, args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function tryGit(repo: string, args: string[]): string | undefined {
  try {
    return git(repo, args);
  } catch {
    return undefined;
  }
}

/**
 * Checks `schemaPath` in `repo`'s working tree against the base: the merge-base of HEAD with
 * `baseRef` when given, else HEAD's first parent. The commits base..HEAD may mark the change.
 */
export async function checkRepository(options: {
  repo: string;
  schemaPath?: string;
  baseRef?: string;
}): Promise<SchemaCheck | { skipped: string }> {
  const { repo, baseRef } = options;
  const schemaPath = options.schemaPath ?? 'schema.graphql';
  let base: string;
  if (baseRef) {
    const mergeBase = tryGit(repo, ['merge-base', 'HEAD', baseRef])?.trim();
    if (!mergeBase) throw new Error(`No merge-base between HEAD and ${baseRef} (fetch it first?)`);
    base = mergeBase;
  } else {
    const parent = tryGit(repo, ['rev-parse', '--verify', '--quiet', 'HEAD~1^{commit}'])?.trim();
    if (!parent) {
      if (tryGit(repo, ['rev-parse', '--is-shallow-repository'])?.trim() === 'true') {
        throw new Error('A shallow clone has no previous commit to compare with: fetch depth 2+');
      }
      return { skipped: 'HEAD is the first commit: nothing to compare with' };
    }
    base = parent;
  }
  const oldSdl = tryGit(repo, ['show', `${base}:${schemaPath}`]);
  if (oldSdl === undefined) {
    return { skipped: `${schemaPath} does not exist at ${base.slice(0, 12)}: nothing to compare` };
  }
  const newSdl = fs.readFileSync(path.join(repo, schemaPath), 'utf8');
  // %B: the raw message; NUL-separated so that messages may hold any text.
  const commitMessages = git(repo, ['log', '--format=%B%x00', `${base}..HEAD`])
    .split('\0')
    .map((message) => message.trim())
    .filter(Boolean);
  return checkSchemaChange({
    oldSdl,
    newSdl,
    commitMessages,
    label: `${baseRef ? `merge-base with ${baseRef}` : 'previous commit'} ${base.slice(0, 12)} → ${schemaPath}`,
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { repo: { type: 'string' }, schema: { type: 'string' } },
  });
  try {
    const result = await checkRepository({
      repo: path.resolve(values.repo ?? '.'),
      schemaPath: values.schema,
      baseRef: process.env.SCHEMA_BASE_REF || undefined,
    });
    if ('skipped' in result) {
      console.log(`Schema check skipped: ${result.skipped}`);
    } else {
      console.log(result.report);
      if (!result.ok) process.exitCode = 1;
    }
  } catch (error) {
    console.error(`Schema check failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  }
}
