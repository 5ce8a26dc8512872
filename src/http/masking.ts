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

/** Adds the request id to every masked error, so a report from a caller finds its log line. */
export function useRequestIdOnMaskedErrors(requestIdOf: (request: Request) => string): Plugin {
  const withId = <T extends { errors?: readonly unknown[] }>(result: T, requestId: string): T => {
    if (!result.errors?.some((e) => (e as SerializedError).message === UNEXPECTED_ERROR)) {
      return result;
    }
    return {
      ...result,
      errors: result.errors.map((error) => {
        if (!(error instanceof GraphQLError) || error.message !== UNEXPECTED_ERROR) return error;
        return new GraphQLError(error.message, {
          nodes: error.nodes,
          path: error.path,
          originalError: error.originalError,
          extensions: { ...error.extensions, requestId },
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
