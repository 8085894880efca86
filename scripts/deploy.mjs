// `npm run deploy`: puts Switchboard on your Cloudflare account in one command.
// It reads wrangler.toml, creates what is missing (D1, KV, queues, R2: found by name,
// so running it again creates nothing), writes new ids back into wrangler.toml, asks
// for the secrets the Worker lacks (or generates them), applies the D1 migrations,
// deploys, and prints the URLs. `--dry-run` reads the account (when credentials are
// set), prints the plan, checks that the Worker bundles, and changes nothing.
// docs/deploy.md is the guide; CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID are
// read from the environment.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { unstable_readConfig } from "wrangler";
import { cloudflareApi, defaultApiBase } from "./deploy/cloudflare-api.mjs";
import { applyResources, describeStep, planResources, requiredResources } from "./deploy/resources.mjs";
import { collectSecrets, requiredSecrets } from "./deploy/secrets.mjs";
import { root, wranglerEnv } from "./wrangler-env.mjs";

const usage = `Usage: npm run deploy -- [--dry-run] [--config wrangler.toml]

  --dry-run   print what would be created, set and run; change nothing
  --config    the wrangler configuration to deploy (default: wrangler.toml)

Needs CLOUDFLARE_API_TOKEN (Workers Scripts, D1, Workers KV Storage, Queues and
Workers R2 Storage: Edit) and CLOUDFLARE_ACCOUNT_ID. Secrets the Worker lacks are
taken from SWITCHBOARD_ADMIN_TOKEN / SWITCHBOARD_CONFIG_KEY, asked for, or generated.`;

const say = (line) => process.stdout.write(`${line}\n`);
const bin = path.join(root, "node_modules", ".bin", "wrangler");

/** Runs wrangler with the terminal attached; resolves with what it printed on stdout. */
function runWrangler(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: root, env: wranglerEnv, stdio: ["inherit", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`wrangler ${args[0]} ${args[1] ?? ""} exited with ${code}`))));
  });
}

function parse(argv) {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        "dry-run": { type: "boolean", default: false },
        config: { type: "string", default: "wrangler.toml" },
        help: { type: "boolean", default: false },
      },
    });
    return values;
  } catch (error) {
    process.stderr.write(`${error.message}\n\n${usage}\n`);
    process.exit(2);
  }
}

async function main() {
  const options = parse(process.argv.slice(2));
  if (options.help) return say(usage);
  const dryRun = options["dry-run"];
  const configPath = path.resolve(root, options.config);
  const config = unstable_readConfig({ config: configPath }, { hideWarnings: true });
  const required = requiredResources(config);

  const token = process.env.CLOUDFLARE_API_TOKEN;
  const accountId = process.env.CLOUDFLARE_ACCOUNT_ID;
  const canRead = Boolean(token && accountId);
  if (!canRead && !dryRun) {
    process.stderr.write(`CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID must be set to deploy.\n\n${usage}\n`);
    process.exit(2);
  }
  const api = canRead ? cloudflareApi({ token, accountId, base: process.env.CLOUDFLARE_API_BASE_URL ?? defaultApiBase }) : undefined;

  say(`Switchboard deploy${dryRun ? " — dry run: nothing is changed" : ""}`);
  say(`  Worker "${config.name}", configuration ${path.relative(root, configPath) || configPath}`);
  if (!api) say("  CLOUDFLARE_API_TOKEN or CLOUDFLARE_ACCOUNT_ID is not set: the account is not read, so the plan assumes nothing exists yet.");
  const steps = await planResources(required, api);
  const present = api ? await api.secretNames(config.name) : new Set();
  const missing = requiredSecrets.map((s) => s.name).filter((name) => !present.has(name));
  const database = required.d1[0]?.binding;

  say("\nPlan:");
  for (const step of steps) say(`  ${describeStep(step)}`);
  for (const secret of requiredSecrets) {
    say(`  Secret ${secret.name}: ${present.has(secret.name) ? "set (kept)" : `missing — from ${secret.env}, asked for, or generated`}`);
  }
  if (database) say(`  Migrations: wrangler d1 migrations apply ${database} --remote`);
  say(`  Deploy: wrangler deploy --minify${missing.length > 0 ? " --secrets-file <the new secrets>" : ""}`);

  if (dryRun) {
    say("\nChecking that the Worker bundles (wrangler deploy --dry-run):");
    await runWrangler(["deploy", "--dry-run", "--minify", "--outdir", ".wrangler/dry-run", "--config", configPath]);
    say("\nDry run done: nothing was created, set or deployed.");
    return;
  }

  say("");
  const before = readFileSync(configPath, "utf8");
  const after = await applyResources(steps, api, before, (line) => say(`  ${line}`));
  if (after !== before) {
    writeFileSync(configPath, after);
    say(`  wrote the new ids to ${path.relative(root, configPath)} (commit it: the next deploy reads them)`);
  }
  const secrets = await collectSecrets(missing, { interactive: process.stdin.isTTY === true, say: (line) => say(`  ${line}`) });

  if (database) await runWrangler(["d1", "migrations", "apply", database, "--remote", "--config", configPath]);

  const deployArgs = ["deploy", "--minify", "--config", configPath];
  const secretsDir = Object.keys(secrets).length > 0 ? mkdtempSync(path.join(os.tmpdir(), "switchboard-secrets-")) : undefined;
  let output;
  try {
    if (secretsDir) {
      const file = path.join(secretsDir, "secrets.json");
      writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
      deployArgs.push("--secrets-file", file);
    }
    output = await runWrangler(deployArgs);
  } finally {
    if (secretsDir) rmSync(secretsDir, { recursive: true, force: true });
  }

  const url = /https:\/\/[^\s]+\.workers\.dev/.exec(output)?.[0];
  say("\nSwitchboard is deployed.");
  if (url) {
    say(`  webhooks    ${url}/in/<sourceId>`);
    say(`  admin API   ${url}/admin/v1   (reference: ${url}/admin/docs)`);
    say(`  console     ${url}/console`);
    say(`  health      ${url}/healthz`);
    say(`\nNext: SWITCHBOARD_URL=${url} SWITCHBOARD_ADMIN_TOKEN=… npm run config -- push switchboard.yaml`);
  } else {
    say("  wrangler printed no workers.dev URL (routes or a custom domain?): see its output above.");
  }
}

main().catch((error) => {
  process.stderr.write(`deploy failed: ${error.message}\n`);
  process.exit(1);
});
