#!/usr/bin/env node
// The contract check: `npm run contract -- <destinationId> --config FILE`
//
// Runs the gateway's own connector for that destination (src/connectors/registry.ts,
// bundled from the sources by esbuild) against the CRM account the destination
// points at: create, read back, update, read back, an input the CRM refuses next to
// one it takes, clean up. Prints pass or fail per step (docs/connectors.md,
// "Contract check").
//
// FILE is a configuration document (JSON or YAML, as `npm run config` reads). Its
// secrets can come from the environment instead (a pulled document has them masked):
// CONTRACT_<PATH> — `token` → CONTRACT_TOKEN, `apiToken` → CONTRACT_API_TOKEN,
// `auth.clientSecret` → CONTRACT_AUTH_CLIENT_SECRET. ALLOW_HTTP_DESTINATIONS=true
// allows http URLs (local fakes), as for the Worker.
// Exit status: 0 every step passed, 1 a step failed, 2 usage or file errors.
import { randomBytes } from "node:crypto";
import { loadBundled } from "./config-cli/bundle.mjs";
import { CliError, readDocument } from "./config-cli/files.mjs";

const usage = "usage: npm run contract -- <destinationId> --config FILE";

function parseArgs(argv) {
  const args = { positional: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--config") args.config = argv[++i];
    else args.positional.push(argv[i]);
  }
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const [destinationId] = args.positional;
  if (!destinationId || !args.config || args.positional.length !== 1) throw new CliError(usage);
  const document = readDocument(args.config);
  const { runContract } = await loadBundled("scripts/contract/check.ts", "contract");
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  console.log(`contract check of "${destinationId}" (run ${runId})`);
  const steps = await runContract({
    document,
    destinationId,
    env: process.env,
    runId,
    onStep: (step) => console.log(`  ${step.ok ? "PASS" : "FAIL"}  ${step.name.padEnd(18)} ${step.detail}`),
  });
  const failed = steps.filter((step) => !step.ok).length;
  console.log(`${steps.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof CliError ? error.message : error);
    process.exit(error instanceof CliError ? 2 : 1);
  },
);
