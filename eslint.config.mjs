// Type-aware lint for the program, components, tools, functions and tests; the policy pack is linted
// with its own tsconfig so it never picks up the program's dependencies.
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
    {
        // Fixture programs and packs are inputs to specs, each written in its own style on purpose.
        ignores: ["node_modules/", "policies/node_modules/", "dist/", ".scratch/", "test/fixtures/", "test/.tmp/", "**/*.js", "**/*.mjs", "**/*.cjs"],
    },
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        languageOptions: {
            parserOptions: {
                projectService: true,
                tsconfigRootDir: import.meta.dirname,
            },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-explicit-any": "error",
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
);
