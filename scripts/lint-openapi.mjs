// `npm run lint:openapi`: builds the admin OpenAPI document from the same code the
// Worker serves at /admin/v1/openapi.json (bundled for Node with esbuild, no server
// needed), writes it to .wrangler/openapi.json and lints it with @redocly/cli.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.join(root, ".wrangler", "openapi");
mkdirSync(outDir, { recursive: true });

const bundle = path.join(outDir, "document.mjs");
await build({
  stdin: {
    contents: `import { createAdminApp, openApiInfo } from "./src/admin/app";
export const document = createAdminApp().getOpenAPI31Document(openApiInfo);`,
    resolveDir: root,
    loader: "ts",
  },
  bundle: true,
  platform: "node",
  format: "esm",
  outfile: bundle,
  // The document needs only the routes' schemas; modules that define Durable Object
  // classes (the auth throttle the admin app imports) get a stand-in base class, since
  // `cloudflare:workers` exists only inside workerd. Nothing of it runs here.
  plugins: [
    {
      name: "cloudflare-workers-stand-in",
      setup(build) {
        build.onResolve({ filter: /^cloudflare:/ }, (args) => ({ path: args.path, namespace: "cloudflare-stand-in" }));
        build.onLoad({ filter: /.*/, namespace: "cloudflare-stand-in" }, () => ({
          contents: "export class DurableObject {}\nexport class WorkerEntrypoint {}\nexport const env = {};\n",
          loader: "js",
        }));
      },
    },
  ],
  logLevel: "warning",
});
const { document } = await import(pathToFileURL(bundle).href);
const file = path.join(root, ".wrangler", "openapi.json");
writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
console.log(`OpenAPI document: ${path.relative(root, file)} (${Object.keys(document.paths).length} paths)`);

const redocly = path.join(root, "node_modules", ".bin", "redocly");
const result = spawnSync(redocly, ["lint", file, "--format", "stylish"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
});
process.exit(result.status ?? 1);
