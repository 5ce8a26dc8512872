// Lints schema.graphql (or the SDL file given) with the rules in eslint.schema.config.js: prints
// each finding, then how many each rule found; exits 1 when there is any.
//   npm run schema:lint [-- path/to/schema.graphql]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';

export interface SchemaLintResult {
  /** Findings in the order ESLint reports them (file order). */
  messages: Linter.LintMessage[];
  /** rule id → how many findings ("parse" for a file that does not parse). */
  countsByRule: Record<string, number>;
  /** ESLint's stylish report. */
  formatted: string;
}

/**
 * Lints one SDL file as a schema. graphql-eslint caches the first schema it loads per process
 * (except under NODE_ENV=test), so a process lints one schema file, as the CLI below does.
 */
export async function lintSchema(file: string): Promise<SchemaLintResult> {
  const configModule = pathToFileURL(
    path.resolve(import.meta.dirname, '..', 'eslint.schema.config.js'),
  );
  const { schemaLintConfig } = (await import(configModule.href)) as {
    schemaLintConfig(schemaFile: string): Linter.Config[];
  };
  const absolute = path.resolve(file);
  const eslint = new ESLint({
    cwd: path.dirname(absolute),
    // The rules come from eslint.schema.config.js alone, pointed at this file as the schema.
    overrideConfigFile: true,
    overrideConfig: schemaLintConfig(absolute),
    // Fixtures live under test/, which a default ignore would not skip, but be explicit.
    ignore: false,
  });
  const results = await eslint.lintFiles([absolute]);
  const messages = results.flatMap((result) => result.messages);
  const countsByRule: Record<string, number> = {};
  for (const message of messages) {
    const rule = message.ruleId ?? 'parse';
    countsByRule[rule] = (countsByRule[rule] ?? 0) + 1;
  }
  const formatter = await eslint.loadFormatter('stylish');
  return { messages, countsByRule, formatted: await formatter.format(results) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2] ?? path.resolve(import.meta.dirname, '..', 'schema.graphql');
  const result = await lintSchema(file);
  if (result.messages.length === 0) {
    console.log(`${path.relative(process.cwd(), file)}: no schema lint findings`);
  } else {
    console.log(result.formatted);
    console.log('Findings per rule:');
    for (const [rule, count] of Object.entries(result.countsByRule).sort((a, b) => b[1] - a[1]))
      console.log(`  ${String(count).padStart(4)}  ${rule}`);
    process.exitCode = 1;
  }
}
