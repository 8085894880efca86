// Copies the browser build of the Scalar API reference into public/ (served by
// [assets] in wrangler.toml), so GET /admin/docs loads nothing from a CDN. Runs on
// `npm install` (postinstall) and before the config CLI tests; idempotent.
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const source = path.join(root, "node_modules", "@scalar", "api-reference", "dist", "browser", "standalone.js");
const target = path.join(root, "public", "_assets", "scalar", "standalone.js");

if (!existsSync(source)) {
  // An install without devDependencies: the docs page then has no script.
  console.warn("copy-assets: @scalar/api-reference is not installed; /admin/docs will not render");
} else {
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(source, target);
}
