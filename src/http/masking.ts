// What a caller learns from an error. Expected failures (RosterError) keep their message and code;
// an unreachable database becomes a retryable 503; anything else is "Unexpected error." with the
// request id, never a message, stack or cause from inside (in every NODE_ENV: the id finds the
// details in the log).
import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError, type Plugin } from 'graphql-yoga';
import { RosterError, ServiceUnavailableError } from '../errors.ts';
import { isDatabaseUnavailable } from './availability.ts';

export const UNEXPECTED_ERROR = 'Unexpected error.';

function located(error: unknown) {
  return error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {};
}

export function createMaskError(retryAfterSeconds: number) {
  return (error: unknown, message: string): Error => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    if (original instanceof ServiceUnavailableError || isDatabaseUnavailable(original)) {
      const unavailable =
        original instanceof ServiceUnavailableError
          ? original
          : new ServiceUnavailableError(retryAfterSeconds);
      return new GraphQLError(unavailable.message, {
        ...located(error),
        extensions: {
          code: unavailable.code,
          retryAfterSeconds: unavailable.retryAfterSeconds,
          http: { status: 503, headers: { 'Retry-After': String(unavailable.retryAfterSeconds) } },
        },
      });
    }
    // A typed failure raised where no result union can carry it (a type-level scope on a plain
    // field, say) still reaches the caller as itself, with its code.
    if (original instanceof RosterError) {
      return new GraphQLError(original.message, {
        ...located(error),
        extensions: { code: original.code },
      });
    }
    // isDev false: Yoga would otherwise copy the original error, stack included, into the answer.
    return yogaMaskError(error, message, false);
  };
}

interface SerializedError {
  message: string;
  extensions?: Record<string, unknown>;
}

/** Extensions that describe an error from the inside; Yoga adds `originalError` to some. */
const INTERNAL_EXTENSIONS = ['originalError', 'stack', 'exception'];

function needsRewrite(error: unknown): boolean {
  const e = error as SerializedError;
  return (
    e.message === UNEXPECTED_ERROR ||
    INTERNAL_EXTENSIONS.some((name) => e.extensions?.[name] !== undefined)
  );
}

/**
 * The last word on every error of an answer: the request id on masked errors, so a report from a
 * caller finds its log line, and no extension that describes the error from the inside.
 */
export function useSafeErrors(requestIdOf: (request: Request) => string): Plugin {
  const withId = <T extends { errors?: readonly unknown[] }>(result: T, requestId: string): T => {
    if (!result.errors?.some(needsRewrite)) return result;
    return {
      ...result,
      errors: result.errors.map((error) => {
        if (!(error instanceof GraphQLError) || !needsRewrite(error)) return error;
        const extensions: Record<string, unknown> = { ...error.extensions };
        for (const name of INTERNAL_EXTENSIONS) delete extensions[name];
        if (error.message === UNEXPECTED_ERROR) extensions.requestId = requestId;
        return new GraphQLError(error.message, {
          nodes: error.nodes,
          path: error.path,
          originalError: error.originalError,
          extensions,
        });
      }),
    };
  };
  return {
    onResultProcess({ request, result, setResult }) {
      if (Symbol.asyncIterator in result) return; // no subscriptions or @defer here
      const requestId = requestIdOf(request);
      setResult(
        Array.isArray(result) ? result.map((r) => withId(r, requestId)) : withId(result, requestId),
      );
    },
  };
}
