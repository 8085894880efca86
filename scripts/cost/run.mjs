// `npm run cost`: what each lead costs on Cloudflare, counted in a run of the real
// gateway. The gateway is bundled with scripts/cost/metered-entry.ts (the same Worker
// and Durable Objects, with every billed unit counted) and run through the Miniflare
// API with the e2e bench's HubSpot fake. Two runs, each on fresh state after a warm-up
// whose counts are thrown away:
//   routed   every lead matches one route that upserts it into HubSpot;
//   stored   the source has no routes: each webhook is verified, stored and decided.
// It prints the units per lead and the dollars per million at the prices of
// scripts/cost/prices.mjs; COST_WRITE_DOC=1 replaces the "Cost per lead" section of
// docs/benchmarks.md. COST_LEADS (default 300) leads per run. 127.0.0.1 only.
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { e2eStoredConfig, e2eVars } from "../bench/e2e-config.mjs";
import { startHubspotFake } from "../bench/e2e-fake.mjs";
import { startMiniflareTarget } from "../bench/miniflare-target.mjs";
import { cpuMeter } from "../bench/processes.mjs";
import { leadRequest, sourceId, storedConfig } from "../bench/webhook.mjs";
import { writeSection } from "../lib/doc-section.mjs";
import { loadSender } from "../lib/load-sender.mjs";
import { root, wrangler } from "../wrangler-env.mjs";
import { costMarkdown, perLead, priceOf } from "./prices.mjs";

const say = (line) => process.stdout.write(`[cost] ${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const leads = Number(process.env.COST_LEADS ?? 300);
const warmup = 20;
const workDir = path.join(root, ".bench", "cost");

function bundle() {
  const outdir = path.join(workDir, "bundle");
  // `wrangler deploy [script]`: wrangler.toml's bindings, the metered entry as main.
  wrangler(["deploy", "--dry-run", "--config", path.join(root, "wrangler.toml"), "--outdir", outdir, path.join(root, "scripts/cost/metered-entry.ts")], {
    quiet: true,
  });
  return path.join(outdir, "metered-entry.js");
}

/** Waits until `expected` events of the bench source exist and none is still on its way. */
async function waitSettled(db, expected, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  let seen = {};
  while (Date.now() < deadline) {
    const { results } = await db.prepare("SELECT status, count(*) AS n FROM events WHERE source_id = ? GROUP BY status").bind(sourceId).all();
    const total = results.reduce((sum, r) => sum + r.n, 0);
    const open = results.filter((r) => r.status === "queued" || r.status === "delivering").reduce((sum, r) => sum + r.n, 0);
    seen = Object.fromEntries(results.map((r) => [r.status, r.n]));
    if (total >= expected && open === 0) return seen;
    await sleep(250);
  }
  throw new Error(`${expected} events not settled after ${timeoutMs / 1000} s: ${JSON.stringify(seen)}`);
}

/** @param {{ name: string, scriptPath: string, stored: object, fake?: { origin: string } }} run */
async function measure({ name, scriptPath, stored, fake }) {
  const persistRoot = path.join(workDir, name);
  rmSync(persistRoot, { recursive: true, force: true });
  mkdirSync(persistRoot, { recursive: true });
  const target = await startMiniflareTarget({
    name: `cost-${name}`,
    config: path.join(root, "wrangler.toml"),
    scriptPath,
    persistRoot,
    seed: true,
    stored,
    vars: e2eVars,
    withoutAssets: true,
  });
  const sender = loadSender(target.baseUrl, { maxInFlight: 16 });
  /** Leads `first` … `first + count - 1` over `connections` closed-loop connections; their answers' statuses. */
  const send = async (first, count, connections) => {
    const requests = Array.from({ length: count }, (_, i) => leadRequest(`/in/${sourceId}`, first + i));
    await sender.closedLoop(requests, { connections, deadlineMs: 120_000 });
    return requests.map((r) => sender.outcomes.get(r.key)?.status ?? sender.outcomes.get(r.key)?.error);
  };
  try {
    const usage = (method = "GET") => fetch(`${target.baseUrl}/__usage`, { method }).then((r) => (method === "GET" ? r.json() : undefined));
    const answers = await send(1_000_000, warmup, 2);
    if (answers.some((a) => a !== 202)) throw new Error(`warm-up answers: ${answers.join(", ")}; ${target.errorLines().slice(0, 5).join("\n")}`);
    await waitSettled(target.db, warmup);
    await usage("POST");
    const cpu = cpuMeter(target.cpuPids);
    const accepted = (await send(2_000_000, leads, 8)).filter((a) => a === 202).length;
    const statuses = await waitSettled(target.db, warmup + accepted);
    // The inbox's last alarm and the queue acks land just after the rows settle.
    await sleep(1_500);
    const counted = await usage();
    const machine = cpu.stop();
    const delivered = fake ? (await (await fetch(`${fake.origin}/__fake/requests`)).json()).length : 0;
    say(`${name}: ${accepted}/${leads} accepted, events ${JSON.stringify(statuses)}, ${delivered} HubSpot calls`);
    return { name, leads: accepted, usage: counted, workerdCpuSeconds: machine.targetSeconds, hubspotCalls: delivered };
  } finally {
    await target.stop();
  }
}

async function main() {
  mkdirSync(workDir, { recursive: true });
  say("bundling the metered gateway…");
  const scriptPath = bundle();
  const fake = await startHubspotFake({ requests: 100_000, perMs: 10_000 });
  const runs = [];
  try {
    runs.push(await measure({ name: "routed", scriptPath, stored: e2eStoredConfig(fake), fake }));
    runs.push(await measure({ name: "stored", scriptPath, stored: storedConfig() }));
  } finally {
    await fake.stop();
  }
  for (const run of runs) {
    const units = perLead(run);
    const price = priceOf(units);
    say(`${run.name}: per lead ${JSON.stringify(units)}`);
    say(
      `${run.name}: $${price.total.toFixed(2)} per million (${Object.entries(price.byItem)
        .map(([k, v]) => `${k} $${v.toFixed(2)}`)
        .join(", ")})`,
    );
    const top = Object.entries(run.usage.d1ByStatement)
      .sort((a, b) => b[1].rowsWritten - a[1].rowsWritten)
      .slice(0, 25);
    for (const [key, v] of top)
      say(
        `  ${key}: ${(v.rowsWritten / run.leads).toFixed(2)} rows written, ${(v.rowsRead / run.leads).toFixed(1)} read, ${(v.queries / run.leads).toFixed(2)} queries per lead`,
      );
  }
  if (process.env.COST_WRITE_DOC === "1") {
    writeSection(path.join(root, "docs", "benchmarks.md"), "Cost per lead", costMarkdown(runs, { date: new Date().toISOString().slice(0, 10), leads }));
    say("wrote the Cost per lead section of docs/benchmarks.md");
  }
}

try {
  await main();
  process.exit(0);
} catch (error) {
  say(`failed: ${error.stack ?? error}`);
  process.exit(1);
}
