import { defineConfig } from 'vitest/config';

// One runner for the whole workspace. Unit tests sit beside their code; cross-package tests in test/.
// The "source" export condition makes workspace packages resolve to their TypeScript sources.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['{shared,agent,server,sim,demo,dashboard}/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
