// The settings of the public edge, taken from the configuration (src/config.ts) in one place so
// that createRosterYoga can be given them whole by the server and piecemeal by tests.
import { loadConfig, type Config } from '../config.ts';

export interface EdgeSettings {
  /** NODE_ENV=production: errors never carry details, suggestions and introspection are off. */
  production: boolean;
  maxRequestBytes: number;
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
  introspection: boolean;
  /** "Did you mean …?" in validation errors. */
  fieldSuggestions: boolean;
  /** Path to a trusted-documents manifest; undefined = any document may run. */
  trustedDocuments: string | undefined;
  corsOrigins: string[];
  hstsMaxAge: number | undefined;
  retryAfterSeconds: number;
}

export function edgeSettingsFrom(config: Config): EdgeSettings {
  const production = config.NODE_ENV === 'production';
  return {
    production,
    maxRequestBytes: config.MAX_REQUEST_BYTES,
    maxDepth: config.GRAPHQL_MAX_DEPTH,
    maxAliases: config.GRAPHQL_MAX_ALIASES,
    maxDirectives: config.GRAPHQL_MAX_DIRECTIVES,
    maxTokens: config.GRAPHQL_MAX_TOKENS,
    maxCost: config.GRAPHQL_MAX_COST,
    introspection: config.INTROSPECTION ?? !production,
    fieldSuggestions: !production,
    trustedDocuments: config.TRUSTED_DOCUMENTS,
    corsOrigins: config.CORS_ORIGINS,
    hstsMaxAge: config.HSTS_MAX_AGE,
    retryAfterSeconds: config.DATABASE_RETRY_AFTER_SECONDS,
  };
}

/** The settings for an environment (the process's by default), as the server would derive them. */
export function edgeSettings(env: NodeJS.ProcessEnv = process.env): EdgeSettings {
  return edgeSettingsFrom(loadConfig(env));
}
