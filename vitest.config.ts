import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure, fast) and `integration` (*.int.spec.ts: real Redis, real model training).
// `npm test` runs both; CI starts Redis first.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{apps,libs,tools}/*/src/**/*.spec.ts'],
          exclude: ['**/*.int.spec.ts', '**/node_modules/**'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{apps,libs,tools}/*/src/**/*.int.spec.ts'],
          exclude: ['**/node_modules/**'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 120_000,
          // Training tests are CPU-bound on a 2-core machine: keep them from starving each other.
          fileParallelism: false,
        },
      },
    ],
  },
});
