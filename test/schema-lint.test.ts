// The schema lint (eslint.schema.config.js, run by scripts/lint-schema.ts): a schema that keeps the
// conventions passes, and one that breaks each of them fails with the rule that names it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintSchema } from '../scripts/lint-schema.ts';

const root = path.resolve(import.meta.dirname, '..');
const fixture = (name: string) => path.join(root, 'test/fixtures/schema-lint', name);

describe('schema lint', () => {
  it('passes a schema that keeps every convention', async () => {
    const result = await lintSchema(fixture('good.graphql'));
    expect(result.messages.map((m) => `${m.line} ${m.ruleId}: ${m.message}`)).toEqual([]);
  });

  it('fails a schema that breaks them, naming each rule and line', async () => {
    const result = await lintSchema(fixture('bad.graphql'));
    const found = result.messages.map((m) => `${m.line} ${m.ruleId}`);
    expect(found).toEqual(
      expect.arrayContaining([
        '10 no-restricted-syntax', // Error.code: String
        '25 no-restricted-syntax', // NotFoundError.code: String
        '32 @graphql-eslint/no-unreachable-types', // scalar URL
        '37 no-restricted-syntax', // email: String
        '43 no-restricted-syntax', // status: String
        '45 @graphql-eslint/naming-convention', // created_at
        '45 @graphql-eslint/require-description', // created_at
        '49 @graphql-eslint/naming-convention', // TeamMembersConnectionEdge
        '58 @graphql-eslint/relay-connection-types', // no pageInfo
        '79 @graphql-eslint/strict-id-in-types', // Team without id
        '125 @graphql-eslint/naming-convention', // removeMember(member: ID!)
      ]),
    );
    // Nothing failed to load: every finding comes from a rule.
    expect(result.countsByRule.parse).toBeUndefined();
  });

  it('as a script, exits 1 on findings and prints a count per rule', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/lint-schema.ts', fixture('bad.graphql')],
      { cwd: root },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(1);
    expect(stdout).toMatch(/Findings per rule:\n\s+4 {2}no-restricted-syntax/);
  });

  it('loads the real schema.graphql (findings or not, no parse or configuration error)', async () => {
    const result = await lintSchema(path.join(root, 'schema.graphql'));
    expect(result.countsByRule.parse).toBeUndefined();
  });
});
