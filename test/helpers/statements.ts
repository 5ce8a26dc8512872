// Counts SQL statements where the Prisma adapter sends them: in pg's Client.
import pg from 'pg';

/** Runs `fn` and returns how many statements reached the database meanwhile. */
export async function statementsDuring(fn: () => Promise<unknown>): Promise<number> {
  const original = pg.Client.prototype.query;
  let statements = 0;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    statements += 1;
    return (original as (...params: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = original;
  }
  return statements;
}

/** Runs `fn` and returns the text of each statement that reached the database meanwhile, in order. */
export async function statementTextsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const original = pg.Client.prototype.query;
  const texts: string[] = [];
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [first] = args;
    texts.push(
      typeof first === 'string' ? first : String((first as { text?: unknown } | null)?.text),
    );
    return (original as (...params: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = original;
  }
  return texts;
}

/** Runs `fn` and returns each statement that reached the database meanwhile with its values. */
export async function statementsWithValuesDuring(
  fn: () => Promise<unknown>,
): Promise<{ text: string; values: unknown[] }[]> {
  const original = pg.Client.prototype.query;
  const statements: { text: string; values: unknown[] }[] = [];
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [first, second] = args;
    const config = typeof first === 'string' ? { text: first } : (first as pg.QueryConfig);
    statements.push({
      text: String(config.text),
      values: [...((Array.isArray(second) ? second : config.values) ?? [])],
    });
    return (original as (...params: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = original;
  }
  return statements;
}
