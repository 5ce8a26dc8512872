// Configuration as a person meets it: empty variables count as unset, a bad value is one plain line
// naming the variable (never echoing a secret), .env is read, and .env.example lists every setting.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, settingNames } from '../src/config.ts';

const root = path.resolve(import.meta.dirname, '..');
const start = path.join(root, 'src/start.js');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-config-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

// The surrounding environment without any Roster setting, so each case says exactly what it sets.
const base = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !(settingNames as string[]).includes(name)),
);

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('the configuration was accepted');
}

describe('loadConfig', () => {
  it('treats empty and blank variables as unset', () => {
    const config = loadConfig({ DATABASE_URL: '', SMTP_URL: '  ', PORT: '', GRAPHIQL: '' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.SMTP_URL).toBeUndefined();
    expect(config.PORT).toBe(4000);
    expect(config.graphiql).toBe(true);
  });

  it('reports one line per problem: the variable, what was given and what is expected', () => {
    expect(problemsOf({ PORT: '70000', LOG_LEVEL: 'loud', GRAPHIQL: 'maybe' })).toEqual([
      'Invalid PORT: got "70000", expected a port number from 0 to 65535',
      'Invalid LOG_LEVEL: got "loud", expected fatal, error, warn, info, debug, trace or silent',
      'Invalid GRAPHIQL: got "maybe", expected true or false (also 1/0, yes/no)',
    ]);
  });

  it('describes a connection string without echoing it (it may hold a password)', () => {
    const [database, smtp] = problemsOf({
      DATABASE_URL: 'mysql://root:hunter2@db.example.com/roster',
      SMTP_URL: 'hunter2',
    });
    expect(database).toBe(
      'Invalid DATABASE_URL: got a URL starting with mysql://, expected a PostgreSQL URL ' +
        '(postgresql://user:password@host:5432/database), or nothing for the embedded database',
    );
    expect(smtp).toMatch(/^Invalid SMTP_URL: got a value of 7 characters that is not a URL, /);
    expect(`${database}${smtp}`).not.toContain('hunter2');
  });

  it('accepts postgres:// and postgresql:// URLs', () => {
    for (const url of ['postgres://u:p@h/db', 'postgresql://postgres@127.0.0.1:5432/postgres'])
      expect(loadConfig({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
  });
});

describe('.env.example', () => {
  const example = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
  const values = parseEnv(example);

  it('lists every setting, and nothing else', () => {
    expect(Object.keys(values).sort()).toEqual([...settingNames].sort());
  });

  it('gives each setting its default (empty where there is none), so copying it changes nothing', () => {
    const defaults = loadConfig({});
    const fromExample = loadConfig(values);
    expect(fromExample).toEqual(defaults);
    for (const [name, value] of Object.entries(values)) {
      const fallback = defaults[name as keyof typeof defaults];
      expect(value, name).toBe(fallback === undefined ? '' : String(fallback));
    }
  });
});

describe('the server process', () => {
  function runStart(env: Record<string, string>, cwd = root) {
    return spawnSync(process.execPath, [start], {
      cwd,
      env: { ...base, NODE_ENV: 'development', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
  }

  it('exits 1 on a bad configuration with plain lines only: no JSON log, no stack, no secret', () => {
    const result = runStart({
      DATABASE_URL: 'mysql://root:hunter2@db.example.com/roster',
      PORT: 'eighty',
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      'Invalid PORT: got "eighty", expected a port number from 0 to 65535',
      expect.stringMatching(/^Invalid DATABASE_URL: got a URL starting with mysql:\/\/, expected /),
    ]);
    expect(result.stderr).not.toContain('hunter2');
  });

  it('the roster CLI reports a bad configuration the same way', () => {
    const result = spawnSync(
      process.execPath,
      [path.join(root, 'src/cli/bin.js'), 'api-key', 'list'],
      {
        cwd: root,
        env: { ...base, NODE_ENV: 'development', SESSION_TTL_MINUTES: '1' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(
      'Invalid SESSION_TTL_MINUTES: got "1", expected a whole number of minutes, at least 5',
    );
  });

  it('reads .env from the working directory; the environment wins over it', () => {
    const dir = fs.mkdtempSync(path.join(scratch, 'dotenv-'));
    fs.writeFileSync(path.join(dir, '.env'), 'PORT=from-dotenv\nGRAPHIQL=maybe\n');
    const result = runStart({ GRAPHIQL: 'true' }, dir);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'Invalid PORT: got "from-dotenv", expected a port number from 0 to 65535',
    );
  });

  it('starts on the embedded database when DATABASE_URL is set but empty', async () => {
    const child = spawn(process.execPath, [start], {
      cwd: root,
      env: {
        ...base,
        NODE_ENV: 'development',
        DATABASE_URL: '',
        DATA_DIR: path.join(scratch, 'data'),
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
    });
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const listening = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk;
          const line = output.split('\n').find((entry) => entry.includes('Roster is listening'));
          if (line) resolve(line);
        });
        child.stderr.on('data', (chunk: Buffer) => (output += chunk));
        child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
      });
      expect(JSON.parse(listening)).toMatchObject({ database: expect.stringMatching(/^embedded/) });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
