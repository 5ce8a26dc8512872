// Test runner settings: Node environment, one fork per file (each file opens its own database),
// generous timeouts because the embedded database starts in-process.
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // One copy of graphql-js: Pothos and Yoga load its CommonJS build, so tests must too (two copies
  // make instanceof checks fail with "Cannot use GraphQLSchema from another module or realm").
  resolve: { alias: { graphql: createRequire(import.meta.url).resolve('graphql') } },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The origins the tests' links point to (REDIRECT_ORIGINS allows only loopback by default).
    env: {
      NODE_ENV: 'test',
      REDIRECT_ORIGINS:
        'https://app.example.com,https://elsewhere.example.com,https://app.acme.test,https://acme.test,https://other.example,http://localhost:*',
    },
  },
});
