// GraphQL over HTTP, strictly: POST bodies only as JSON, and GET only with a header a web page
// cannot set without a CORS preflight. Browsers send url-encoded and multipart forms, and simple
// GETs, from any page without asking: accepting them would let any site act as its visitors.
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** The header a GET must carry (any value); POSTs carry `content-type: application/json`. */
export const CSRF_HEADER = 'x-graphql-csrf';

function isJson(contentType: string | null): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json';
}

/** POSTs to /graphql must be application/json: everything else is 415. */
function useJsonBodiesOnly(): Plugin {
  return {
    onRequestParse({ request }) {
      if (request.method !== 'POST' || isJson(request.headers.get('content-type'))) return;
      throw createGraphQLError('POST bodies must be application/json', {
        extensions: {
          code: 'UNSUPPORTED_MEDIA_TYPE',
          http: { status: 415 },
        },
      });
    },
  };
}

/**
 * A request the parser cannot read is the caller's mistake: 400, not "Unexpected error." with a
 * 500 (Yoga's GET parser lets JSON.parse of a malformed `variables` or `extensions` throw).
 */
function useUnreadableRequestIs400(): Plugin {
  return {
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          if (error instanceof GraphQLError) throw error;
          throw createGraphQLError(
            'The request could not be read: variables and extensions must be JSON',
            {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            },
          );
        }
      });
    },
  };
}

export function strictHttpPlugins(): Plugin[] {
  return [
    useJsonBodiesOnly(),
    useCSRFPrevention({ requestHeaders: [CSRF_HEADER] }),
    useUnreadableRequestIs400(),
  ];
}
