// No silent breaking changes (scripts/check-schema.ts): graphql-inspector's diff between the schema
// and the one on the previous commit (or the merge-base with a base ref) fails on a breaking change
// unless a commit in the range marks it as intended; dangerous changes are printed and pass.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkRepository,
  checkSchemaChange,
  marksBreakingIntended,
} from '../scripts/check-schema.ts';

const root = path.resolve(import.meta.dirname, '..');
const fixture = (name: string) =>
  fs.readFileSync(path.join(root, 'test/fixtures/schema-breaking', `${name}.graphql`), 'utf8');

describe('the schema diff', () => {
  it('fails on a removed field, naming it', async () => {
    const result = await checkSchemaChange({
      oldSdl: fixture('base'),
      newSdl: fixture('removed-field'),
      commitMessages: ['Drop Member.name'],
    });
    expect(result.ok).toBe(false);
    expect(result.breaking.map((change) => change.path)).toEqual(['Member.name']);
    expect(result.report).toContain("Field 'name' was removed from object type 'Member'");
    expect(result.report).toContain('Schema-Breaking: intended');
  });

  it('passes the same change when a commit message marks it as intended', async () => {
    for (const message of [
      'Rename Member.name\n\nSchema-Breaking: intended',
      '[breaking-schema] Rename Member.name',
    ]) {
      const result = await checkSchemaChange({
        oldSdl: fixture('base'),
        newSdl: fixture('removed-field'),
        commitMessages: ['Unrelated commit', message],
      });
      expect(result.breaking).toHaveLength(1);
      expect(result.intended).toBe(true);
      expect(result.ok).toBe(true);
    }
  });

  it('passes an added optional field as safe', async () => {
    const result = await checkSchemaChange({
      oldSdl: fixture('base'),
      newSdl: fixture('added-optional-field'),
      commitMessages: ['Add Member.nickname'],
    });
    expect(result.ok).toBe(true);
    expect(result.breaking).toEqual([]);
    expect(result.dangerous).toEqual([]);
    expect(result.safe.map((change) => change.path)).toEqual(['Member.nickname']);
  });

  it('prints a dangerous change (an added enum value) and passes', async () => {
    const result = await checkSchemaChange({
      oldSdl: fixture('base'),
      newSdl: fixture('dangerous'),
      commitMessages: ['Add DEACTIVATED'],
    });
    expect(result.ok).toBe(true);
    expect(result.breaking).toEqual([]);
    expect(result.dangerous.map((change) => change.path)).toEqual(['MemberStatus.DEACTIVATED']);
    expect(result.report).toMatch(/Dangerous.*\n.*'DEACTIVATED' was added to enum 'MemberStatus'/);
  });

  it('takes the marker only as its own trailer line or as the tag', () => {
    expect(marksBreakingIntended('Title\n\nschema-breaking: Intended\n')).toBe(true);
    expect(marksBreakingIntended('Title [breaking-schema]')).toBe(true);
    expect(marksBreakingIntended('Title\n\nSchema-Breaking: not intended')).toBe(false);
    expect(marksBreakingIntended('Avoid Schema-Breaking: intended changes here')).toBe(false);
    expect(marksBreakingIntended('breaking-schema')).toBe(false);
  });
});

describe('the check in a git repository', () => {
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Test',
        GIT_AUTHOR_EMAIL: 'test@example.com',
        GIT_COMMITTER_NAME: 'Test',
        GIT_COMMITTER_EMAIL: 'test@example.com',
      },
    });
  const commitSchema = (name: string, message: string) => {
    fs.writeFileSync(path.join(repo, 'schema.graphql'), fixture(name));
    git('add', 'schema.graphql');
    git('commit', '--quiet', '--allow-empty', '-m', message);
  };
  const newRepo = () => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-schema-check-'));
    git('init', '--quiet', '--initial-branch=main');
  };
  afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

  it('compares with the previous commit: skipped on the first, failing on an unmarked removal', async () => {
    newRepo();
    commitSchema('base', 'First schema');
    expect(await checkRepository({ repo })).toEqual({
      skipped: 'HEAD is the first commit: nothing to compare with',
    });
    commitSchema('removed-field', 'Drop Member.name');
    const result = await checkRepository({ repo });
    expect('ok' in result && result.ok).toBe(false);

    // The script exits 1 and says why.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/check-schema.ts', '--repo', repo],
      { cwd: root, env: { ...process.env, SCHEMA_BASE_REF: '' } },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(stdout).toContain("Field 'name' was removed from object type 'Member'");
    expect(code).toBe(1);

    // The same change, marked in its commit, passes.
    git('commit', '--quiet', '--amend', '-m', 'Drop Member.name\n\nSchema-Breaking: intended');
    const marked = await checkRepository({ repo });
    expect('ok' in marked && marked.ok).toBe(true);
  });

  it('with a base ref, compares with the merge-base and takes a marker from any commit of the branch', async () => {
    newRepo();
    commitSchema('base', 'First schema');
    git('checkout', '--quiet', '-b', 'feature');
    commitSchema('base', '[breaking-schema] Plan: rename Member.name');
    commitSchema('removed-field', 'Drop Member.name');
    commitSchema('removed-field', 'Unrelated follow-up');
    // Against the previous commit alone nothing changed.
    const previous = await checkRepository({ repo });
    expect('ok' in previous && previous.breaking).toEqual([]);
    // Against main's merge-base the removal shows, and the branch's first commit marks it.
    const branch = await checkRepository({ repo, baseRef: 'main' });
    expect('ok' in branch && branch.breaking.map((change) => change.path)).toEqual(['Member.name']);
    expect('ok' in branch && branch.ok).toBe(true);
  });
});
