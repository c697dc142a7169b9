import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'cdk.out/', '.happy/', '.run/', 'coverage/', 'scripts/opensearch/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-console': 'error',
    },
  },
  {
    // Command-line entry points and scripts print to the terminal on purpose.
    files: [
      'bin/**',
      'scripts/**',
      'bench/**',
      '**/main.ts',
      'local-fallback/topology/cloud-stand-in.ts',
    ],
    rules: { 'no-console': 'off' },
  },
);
