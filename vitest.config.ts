import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the "source" export condition,
// so tests run (and measure coverage on) the code itself, not a stale build.
// Vite's default "module" condition is left out: it picks ESM builds (the AWS SDK's dist-es) that
// Node itself cannot load once vitest hands them over as external modules.
const conditions = ['source', 'node'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  // Global setup runs in vitest's own __vitest__ environment, which needs the condition too.
  environments: { __vitest__: { resolve: { conditions } } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'infra/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['infra/local-stack/test/global-setup.ts'],
    pool: 'forks',
    // The pinned AWS SDK supports Node 20; its notice about later releases is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts', 'services/*/src/**/*.ts', 'infra/*/src/**/*.ts'],
      // Generated client types, and entry points that only run as their own processes or threads
      // (tests start them that way, where in-process coverage cannot see them).
      exclude: ['**/*.d.ts', '**/generated/**', '**/src/main.ts', '**/src/bin.ts', '**/src/bin/**', '**/src/vision-thread.ts'],
      reporter: ['text-summary', 'text'],
      reportsDirectory: 'coverage',
    },
  },
});
