// The SQL that takes one Prisma schema to another, as `prisma migrate diff --script` writes it.
// Prisma 7's CLI runs migrate commands only on its native schema engine, which cannot be downloaded
// here, so this drives Prisma's WebAssembly schema engine (@prisma/schema-engine-wasm) directly,
// through the same `pg` driver adapter the server uses. A schema-to-schema diff reads no data, but
// the engine wants a connection all the same: an in-memory embedded database stands in for one.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { DiffTarget, SchemaEngine } from '@prisma/schema-engine-wasm';
import { startEmbeddedDatabase } from '../src/db/embedded.ts';

let engineClass: Promise<typeof SchemaEngine> | undefined;

/** The wasm-bindgen glue, its module instantiated by hand (Node has no ESM import of .wasm). */
async function instantiateSchemaEngine(): Promise<typeof SchemaEngine> {
  const packageDir = path.dirname(
    createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm'),
  );
  // The glue's own exports, untyped in its .d.ts (__wbg_set_wasm) or typed only as a whole.
  const glue = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as unknown as {
    SchemaEngine: typeof SchemaEngine;
    __wbg_set_wasm(exports: WebAssembly.Exports): void;
  };
  const { instance } = await WebAssembly.instantiate(
    fs.readFileSync(path.join(packageDir, 'schema_engine_bg.wasm')),
    { './schema_engine_bg.js': glue as unknown as WebAssembly.ModuleImports },
  );
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return glue.SchemaEngine;
}

/** A schema file as the engine takes it: none (an empty database) or its path and text. */
function target(schemaPath: string | undefined): DiffTarget {
  return schemaPath
    ? {
        tag: 'schemaDatamodel',
        files: [{ path: schemaPath, content: fs.readFileSync(schemaPath, 'utf8') }],
      }
    : { tag: 'empty' };
}

/**
 * The migration script from the schema in `fromPath` (undefined: an empty database) to the one in
 * `toPath`; Prisma's "-- This is an empty migration." when they describe the same database.
 */
export async function diffSchemas(fromPath: string | undefined, toPath: string): Promise<string> {
  const Engine = await (engineClass ??= instantiateSchemaEngine());
  const database = await startEmbeddedDatabase();
  try {
    const adapter = bindMigrationAwareSqlAdapterFactory(
      new PrismaPg({ connectionString: database.url, max: 1 }),
    );
    const engine = await Engine.new(
      { datamodels: [[toPath, fs.readFileSync(toPath, 'utf8')]] },
      () => undefined, // the engine's debug log
      adapter,
    );
    try {
      const result = await engine.diff({
        from: target(fromPath),
        to: target(toPath),
        script: true,
        exitCode: null,
        filters: { externalTables: [], externalEnums: [] },
      });
      return result.stdout ?? '';
    } finally {
      engine.free();
    }
  } finally {
    await database.stop();
  }
}
