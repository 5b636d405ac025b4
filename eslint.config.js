// Lint the TypeScript sources, tests and benchmarks; generated and built files are ignored.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ignores: ['dist/**', 'node_modules/**', 'native/build/**', 'bpf/.output/**', '.bench/**']},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		files: ['**/*.{ts,tsx}'],
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
			'no-control-regex': 'off',
		},
	},
	{
		files: ['native/*.js', 'eslint.config.js'],
		languageOptions: {globals: {require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly'}},
		rules: {'@typescript-eslint/no-require-imports': 'off'},
	},
	{
		// Plain Node scripts the tests run as real peers.
		files: ['**/*.mjs'],
		languageOptions: {
			globals: {
				Buffer: 'readonly', URL: 'readonly', console: 'readonly', process: 'readonly',
				setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly',
			},
		},
	},
);
