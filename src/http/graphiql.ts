// GraphiQL at /graphql for people in a browser, served from the package (no CDN). Yoga's renderer
// inlines everything into one 9 MB page sent whole on every load; here the page is a few hundred
// bytes and its script, styles, editor workers and icon are separate files named by their content
// hash, so browsers keep them for a year (immutable) and a new Roster version names new ones. Each
// is compressed once (brotli or gzip, as the browser accepts), on first request, and kept in memory.
// The assets (about 9 MB of JavaScript) are loaded on the first request for GraphiQL, never when
// GraphiQL is off: importing them costs the process about 85 MB of memory.
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { shouldRenderGraphiQL, type GraphiQLOptions, type Plugin } from 'graphql-yoga';
import { graphiqlStory } from './graphiql-story.ts';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** The assets' folder, next to the GraphQL endpoint (/graphql → /graphiql/). */
const ASSET_DIR = 'graphiql/';
const IMMUTABLE = 'public, max-age=31536000, immutable';

type Encoding = 'br' | 'gzip';

interface Asset {
  /** File name under ASSET_DIR, with the content hash. */
  name: string;
  type: string;
  body: Buffer<ArrayBuffer>;
  etag: string;
  compressed?: Promise<Record<Encoding, Buffer<ArrayBuffer>>>;
}

function hashOf(body: Buffer | string): string {
  return crypto.createHash('sha256').update(body).digest('base64url').slice(0, 16);
}

function asset(stem: string, extension: string, type: string, body: Buffer<ArrayBuffer>): Asset {
  const hash = hashOf(body);
  return { name: `${stem}.${hash}.${extension}`, type, body, etag: `"${hash}"` };
}

/** The bytes of a base64 data: URL such as the package's favicon. */
function dataUrlBytes(url: string): { type: string; body: Buffer<ArrayBuffer> } {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (!match) throw new Error('GraphiQL favicon is not a base64 data: URL');
  return { type: match[1]!, body: Buffer.from(match[2]!, 'base64') };
}

interface Assets {
  js: Asset;
  css: Asset;
  editorWorker: Asset;
  jsonWorker: Asset;
  graphqlWorker: Asset;
  icon: Asset;
}

/** GraphiQL's files from the package, named by content hash. */
async function loadAssets(): Promise<Assets> {
  const { css, editorWorkerService, favicon, graphqlWorker, js, jsonWorker } =
    await import('@graphql-yoga/render-graphiql/graphiql');
  const script = (stem: string, source: string) =>
    asset(stem, 'js', 'text/javascript; charset=utf-8', Buffer.from(source));
  const icon = dataUrlBytes(favicon);
  return {
    js: script('graphiql', js),
    css: asset('graphiql', 'css', 'text/css; charset=utf-8', Buffer.from(css)),
    editorWorker: script('editor.worker', editorWorkerService),
    jsonWorker: script('json.worker', jsonWorker),
    graphqlWorker: script('graphql.worker', graphqlWorker),
    icon: asset('favicon', 'ico', icon.type, icon.body),
  };
}

/** JSON safe inside a <script> element (no `</script>` or `<!--` can end or confuse it). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

function renderPage(assets: Assets, options: GraphiQLOptions, prefix: string): string {
  const url = (entry: Asset) => scriptJson(prefix + entry.name);
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${escapeHtml(prefix + assets.icon.name)}" />
    <link rel="stylesheet" href="${escapeHtml(prefix + assets.css.name)}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script>
      const workers = {
        editorWorkerService: ${url(assets.editorWorker)},
        json: ${url(assets.jsonWorker)},
        graphql: ${url(assets.graphqlWorker)},
      };
      self.MonacoEnvironment = {
        globalAPI: false,
        getWorkerUrl: (moduleId, label) => workers[label],
      };
    </script>
    <script src="${escapeHtml(prefix + assets.js.name)}"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${scriptJson(options)});
    </script>
  </body>
</html>
`;
}

/** The encodings the request accepts, best first (brotli, then gzip). */
function acceptedEncoding(request: Request): Encoding | undefined {
  const accepted = new Set<string>();
  for (const part of (request.headers.get('accept-encoding') ?? '').split(',')) {
    const [token, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    if (token && (!q || Number(q.slice(2)) > 0)) accepted.add(token);
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return undefined;
}

function compressed(entry: Asset): Promise<Record<Encoding, Buffer<ArrayBuffer>>> {
  entry.compressed ??= Promise.all([
    brotli(entry.body, {
      params: {
        // Quality 9: within a few percent of the maximum at a tenth of its time (about a second
        // for the 5 MB script).
        [zlib.constants.BROTLI_PARAM_QUALITY]: 9,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: entry.body.length,
      },
    }),
    gzip(entry.body, { level: 9 }),
  ]).then(([br, gz]) => ({ br, gzip: gz }));
  return entry.compressed;
}

function notModified(request: Request, etag: string): boolean {
  const given = request.headers.get('if-none-match');
  return Boolean(given && given.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag));
}

/**
 * Serves GraphiQL's page on GET `endpoint` from a browser (Accept: text/html) and its assets under
 * `graphiql/` next to it. The page opens on `graphiqlStory` with the Headers tab showing.
 */
export function useGraphiQL(options: {
  enabled: boolean;
  endpoint: string;
  title?: string;
}): Plugin {
  if (!options.enabled) return {};
  const assetPrefix = options.endpoint.replace(/[^/]*$/, '') + ASSET_DIR;
  let loaded:
    | Promise<{ page: Buffer<ArrayBuffer>; pageEtag: string; assetsByName: Map<string, Asset> }>
    | undefined;
  const graphiql = () =>
    (loaded ??= loadAssets().then((assets) => {
      const page = Buffer.from(
        renderPage(
          assets,
          {
            title: options.title,
            defaultQuery: graphiqlStory,
            defaultEditorToolsVisibility: 'headers',
          },
          assetPrefix,
        ),
      );
      return {
        page,
        pageEtag: `"${hashOf(page)}"`,
        assetsByName: new Map(Object.values(assets).map((entry) => [entry.name, entry])),
      };
    }));

  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      if (
        (url.pathname === options.endpoint || url.pathname === `${options.endpoint}/`) &&
        shouldRenderGraphiQL(request)
      ) {
        const { page, pageEtag } = await graphiql();
        const headers = {
          'content-type': 'text/html; charset=utf-8',
          // The page is tiny but names the current assets: check it on every load.
          'cache-control': 'no-cache',
          etag: pageEtag,
        };
        endResponse(
          notModified(request, pageEtag)
            ? new fetchAPI.Response(null, { status: 304, headers })
            : new fetchAPI.Response(page, { headers }),
        );
        return;
      }
      if (!url.pathname.startsWith(assetPrefix)) return;
      const entry = (await graphiql()).assetsByName.get(url.pathname.slice(assetPrefix.length));
      if (!entry) return;
      const headers: Record<string, string> = {
        'content-type': entry.type,
        'cache-control': IMMUTABLE,
        etag: entry.etag,
        vary: 'accept-encoding',
      };
      if (notModified(request, entry.etag)) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      const encoding = acceptedEncoding(request);
      let body = entry.body;
      if (encoding) {
        body = (await compressed(entry))[encoding];
        headers['content-encoding'] = encoding;
      }
      headers['content-length'] = String(body.length);
      endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : body, { headers }));
    },
  };
}
