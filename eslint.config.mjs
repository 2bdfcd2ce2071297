// Lint = TypeScript rules + Nx module boundaries (dependencies point one way, see docs/ARCHITECTURE.md)
// + import-x/no-cycle for cycles between files inside one project.
import nx from '@nx/eslint-plugin';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Which scopes each project may import. The order mirrors the layering in docs/ARCHITECTURE.md. */
const allowed = {
  core: [],
  data: ['core'],
  text: ['core'],
  tf: ['core'],
  metrics: ['core'],
  ann: ['core'],
  store: ['core', 'data'],
  features: ['core', 'data', 'text'],
  embeddings: ['core', 'data', 'text', 'tf', 'features'],
  retrieval: ['core', 'data', 'text', 'features', 'store', 'ann', 'embeddings'],
  ranker: ['core', 'data', 'text', 'features', 'store', 'tf', 'metrics', 'ann', 'embeddings', 'retrieval'],
  eval: ['core', 'data', 'text', 'features', 'store', 'tf', 'metrics', 'ann', 'embeddings', 'retrieval', 'ranker'],
  jobs: ['core', 'data', 'text', 'features', 'store', 'tf', 'metrics', 'ann', 'embeddings', 'retrieval', 'ranker', 'eval'],
  serving: ['core', 'data', 'text', 'features', 'store', 'tf', 'metrics', 'ann', 'embeddings', 'retrieval', 'ranker', 'eval', 'jobs'],
};

export default [
  { ignores: ['**/node_modules', '**/dist', '.nx', 'data', 'artifacts', 'tmp', 'bench-results', '**/*.mjs', '**/*.cjs'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.json'] })],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js'],
    },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          banTransitiveDependencies: false,
          checkDynamicDependenciesExceptions: [],
          allow: [],
          depConstraints: [
            ...Object.entries(allowed).map(([scope, deps]) => ({
              sourceTag: `scope:${scope}`,
              onlyDependOnLibsWithTags: deps.map((d) => `scope:${d}`),
            })),
            { sourceTag: 'type:lib', notDependOnLibsWithTags: ['type:app', 'type:tool'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
          ],
        },
      ],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['**/*.spec.ts', 'tools/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
