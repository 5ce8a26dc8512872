// GraphQL Code Generator for the example client: the client preset over ../schema.graphql and the
// operations in operations/*.graphql, written to src/gql/ (not committed: generating it is what
// proves that the schema and the operations still agree).
//
// It drives @graphql-codegen/core and the client preset through their API instead of the
// graphql-codegen CLI, whose install needs an npm override here (see the shared TOOLCHAIN notes).
// The configuration is the one a codegen.ts for the CLI would hold:
//   { schema: '../schema.graphql', documents: 'operations/*.graphql',
//     generates: { 'src/gql/': { preset: 'client', presetConfig, config } } }
//
// Run: node --import tsx examples/codegen.ts   (npm run example:codegen)
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { preset } from '@graphql-codegen/client-preset';
import { codegen } from '@graphql-codegen/core';
import { buildSchema, parse } from 'graphql';

/** The preset's document entries (the type of @graphql-codegen/plugin-helpers' Types.DocumentFile). */
type DocumentFile = Parameters<typeof preset.buildGeneratesSection>[0]['documents'][number];

const here = path.dirname(fileURLToPath(import.meta.url));

export const codegenConfig = {
  schema: path.join(here, '..', 'schema.graphql'),
  documents: path.join(here, 'operations'),
  output: path.join(here, 'src', 'gql') + path.sep,
  presetConfig: {
    // No fragments in this example, so nothing to mask.
    fragmentMasking: false,
  },
  config: {
    // Documents as plain strings (TypedDocumentString): the client needs no GraphQL library.
    documentMode: 'string',
    useTypeImports: true,
    importExtension: '.ts',
    enumType: 'const',
    // A scalar added to the schema fails generation until it is mapped here.
    strictScalars: true,
    scalars: {
      DateTime: 'string',
      EmailAddress: 'string',
      JSONObject: 'Record<string, unknown>',
      URL: 'string',
    },
  },
} as const;

/** Generates src/gql/; returns the files written. Throws when an operation does not validate. */
export async function generateClient(
  config: { schema: string; documents: string; output: string } = codegenConfig,
): Promise<string[]> {
  const schemaText = await fs.readFile(config.schema, 'utf8');
  const schemaAst = buildSchema(schemaText);
  const documentFiles = (await fs.readdir(config.documents))
    .filter((name) => name.endsWith('.graphql'))
    .sort();
  if (documentFiles.length === 0) throw new Error(`No .graphql operations in ${config.documents}`);
  const documents: DocumentFile[] = [];
  for (const name of documentFiles) {
    const location = path.join(config.documents, name);
    const rawSDL = await fs.readFile(location, 'utf8');
    documents.push({ location, rawSDL, document: parse(rawSDL) });
  }

  const outputs = await preset.buildGeneratesSection({
    baseOutputDir: config.output,
    presetConfig: codegenConfig.presetConfig,
    config: codegenConfig.config,
    schema: parse(schemaText),
    schemaAst,
    documents,
    plugins: [],
    pluginMap: {},
    documentTransforms: [],
  });

  await fs.rm(config.output, { recursive: true, force: true });
  await fs.mkdir(config.output, { recursive: true });
  const written: string[] = [];
  for (const output of outputs) {
    // codegen() validates the documents against the schema before generating.
    const content = await codegen({ ...output, schemaAst });
    await fs.writeFile(output.filename, content);
    written.push(output.filename);
  }
  return written;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const written = await generateClient();
  for (const file of written) console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
