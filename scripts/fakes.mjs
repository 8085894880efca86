// The CRM contract fakes (test/fakes, TypeScript) for Node scripts: the e2e suite and
// the `npm start` demo. esbuild (installed with wrangler) bundles them into one ESM
// file under .wrangler/ (dependencies stay imports from node_modules), then it is
// imported. Run directly, it serves one of each fake and prints their addresses:
//   node scripts/fakes.mjs   →   {"hubspot":{"origin":…,"url":…,"credentials":…},…}
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outfile = path.join(root, ".wrangler", "fakes", "serve.mjs");

/** Bundles test/fakes/serve.ts and returns its exports (startFakes, startFake, startFakeFactory, …). */
export async function loadFakes() {
  await build({
    entryPoints: [path.join(root, "test", "fakes", "serve.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
  return import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { startFakes } = await loadFakes();
  const running = await startFakes();
  console.log(JSON.stringify(running.fakes));
  const stop = async () => {
    await running.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
