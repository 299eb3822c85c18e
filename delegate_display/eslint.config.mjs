// The JavaScript lint of the three screens, run by scripts/test: eslint's recommended rules.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["**/vendor/", "**/node_modules/"] },
  { files: ["**/*.js"], ...js.configs.recommended, languageOptions: { globals: globals.browser } },
];
