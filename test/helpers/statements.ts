// Counts SQL statements where the Prisma adapter sends them: in pg's Client.
import pg from 'pg';

/** Runs `fn` with `record` called on the arguments of each statement sent to the database. */
async function recordingStatements(
  fn: () => Promise<unknown>,
  record: (args: unknown[]) => void,
): Promise<void> {
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    record(args);
    return (original as (...params: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = original;
  }
}

/** A statement's text and values, from pg's (text, values) or ({ text, values }) arguments. */
function statementOf([first, second]: unknown[]): { text: string; values: unknown[] } {
  const config = typeof first === 'string' ? { text: first } : (first as pg.QueryConfig | null);
  return {
    text: String(config?.text),
    values: [...((Array.isArray(second) ? second : config?.values) ?? [])],
  };
}

/** Runs `fn` and returns how many statements reached the database meanwhile. */
export async function statementsDuring(fn: () => Promise<unknown>): Promise<number> {
  let statements = 0;
  await recordingStatements(fn, () => {
    statements += 1;
  });
  return statements;
}

/** Runs `fn` and returns the text of each statement that reached the database meanwhile, in order. */
export async function statementTextsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const texts: string[] = [];
  await recordingStatements(fn, (args) => texts.push(statementOf(args).text));
  return texts;
}

/** Runs `fn` and returns each statement that reached the database meanwhile with its values. */
export async function statementsWithValuesDuring(
  fn: () => Promise<unknown>,
): Promise<{ text: string; values: unknown[] }[]> {
  const statements: { text: string; values: unknown[] }[] = [];
  await recordingStatements(fn, (args) => statements.push(statementOf(args)));
  return statements;
}
