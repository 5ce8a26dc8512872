// GraphiQL as a person uses it: a real headless Chromium opens /graphql, runs a query, and the
// answer appears (skipped where no Chromium is installed; CI installs Debian's). And as the network
// sees it: a small page, its assets compressed and cached for good.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { buildSchema, parse, validate } from 'graphql';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphiqlStory } from '../src/http/graphiql-story.ts';
import { useTestServer } from './helpers/server.ts';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const server = useTestServer();

/** GETs a path from the in-process server as a browser would. */
function get(path: string, headers: Record<string, string> = {}) {
  return server.yoga.fetch(`http://roster.test${path}`, {
    headers: { accept: 'text/html,*/*;q=0.8', ...headers },
  });
}

/** The asset URLs the page names (stylesheet, icon, script, editor workers). */
function assetPaths(page: string): string[] {
  return [...new Set([...page.matchAll(/\/graphiql\/[\w.-]+\.(?:js|css|ico)/g)].map((m) => m[0]))];
}

describe('GraphiQL over HTTP', () => {
  it('serves a small page that names its assets by content hash and is revalidated by ETag', async () => {
    const response = await get('/graphql');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const page = await response.text();
    expect(page.length).toBeLessThan(10_000);
    expect(assetPaths(page)).toHaveLength(6);
    const etag = response.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await get('/graphql', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('serves each asset cached for a year, brotli or gzip as accepted, or plain', async () => {
    const page = await (await get('/graphql')).text();
    let plainBytes = 0;
    let brotliBytes = 0;
    for (const path of assetPaths(page)) {
      const plain = await get(path, { 'accept-encoding': 'identity' });
      expect(plain.status, path).toBe(200);
      expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(plain.headers.get('content-encoding')).toBeNull();
      const body = Buffer.from(await plain.arrayBuffer());
      plainBytes += body.length;

      const br = await get(path, { 'accept-encoding': 'gzip, deflate, br, zstd' });
      expect(br.headers.get('content-encoding')).toBe('br');
      expect(br.headers.get('vary')).toBe('accept-encoding');
      const brBody = Buffer.from(await br.arrayBuffer());
      brotliBytes += brBody.length;
      expect(zlib.brotliDecompressSync(brBody).equals(body), path).toBe(true);

      const gz = await get(path, { 'accept-encoding': 'gzip;q=1, br;q=0' });
      expect(gz.headers.get('content-encoding')).toBe('gzip');
      expect(zlib.gunzipSync(Buffer.from(await gz.arrayBuffer())).equals(body), path).toBe(true);

      const cached = await get(path, { 'if-none-match': plain.headers.get('etag')! });
      expect(cached.status).toBe(304);
    }
    // Everything GraphiQL needs, as a browser that accepts brotli downloads it the first time.
    expect(plainBytes).toBeGreaterThan(8_000_000);
    expect(brotliBytes).toBeLessThan(plainBytes / 3);
    expect((await get('/graphiql/graphiql.0000000000000000.js')).status).toBe(404);
  });

  it('opens on the README story, which is valid against schema.graphql', () => {
    const schema = buildSchema(
      fs.readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'),
    );
    const document = parse(graphiqlStory);
    expect(validate(schema, document).map((error) => error.message)).toEqual([]);
    const names = document.definitions.map((definition) =>
      'name' in definition ? definition.name?.value : undefined,
    );
    expect(names).toEqual(['Viewer', 'Organization', 'Invite', 'Preview', 'Accept', 'Members']);
    expect(graphiqlStory).toContain('"Authorization": "Bearer');
  });
});

describe.skipIf(!fs.existsSync(executablePath))('GraphiQL in a browser', () => {
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    base = await server.listen();
    browser = await chromium.launch({
      executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('loads without any outside network and runs a query', async () => {
    const page = await browser.newPage();
    // The page runs under its Content-Security-Policy (src/http/headers.ts): nothing may be refused.
    const refusedByPolicy: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) refusedByPolicy.push(message.text());
    });
    const outside: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.protocol.startsWith('http') && url.hostname !== '127.0.0.1')
        outside.push(request.url());
    });
    const query = '{ __typename viewer { kind } }';
    const response = await page.goto(`${base}/graphql?query=${encodeURIComponent(query)}`);
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self' 'sha256-/);
    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.result-window');
    // The result pane is an editor: collapse its whitespace (including non-breaking spaces).
    const shown = async () => (await result.innerText()).replace(/\s+/g, ' ');
    await expect
      .poll(shown, { timeout: 15_000 })
      .toContain('"data": { "__typename": "Query", "viewer": { "kind": "ANONYMOUS" } }');
    expect(outside).toEqual([]);
    expect(refusedByPolicy).toEqual([]);
  });

  it('opens on the story with the Headers tab showing', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/graphql`);
    const editor = page.locator('.graphiql-query-editor');
    await expect
      .poll(async () => (await editor.innerText()).replace(/\s+/g, ' '), { timeout: 15_000 })
      .toContain('# Welcome to Roster.');
    await expect(page.locator('button.active[data-name="headers"]').count()).resolves.toBe(1);
  });
});
