// GraphiQL as a person uses it: a real headless Chromium opens /graphql, runs a query, and the
// answer appears. Skipped where no Chromium is installed (CI installs Debian's).
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from './helpers/server.ts';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const server = useTestServer();

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
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'sha256-/);
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
});
