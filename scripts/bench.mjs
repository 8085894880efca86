// `npm run bench`: the gateway's POST /in/:sourceId side by side in one run with a bare
// Hono Worker and the naive per-request path (Durable Object + D1 insert + queue send
// per webhook), under wrangler dev with its DevTools inspector proxy off (the
// headline), with it on, and through the Miniflare API; then end to end, webhook → a
// HubSpot fake with HubSpot's rate limit (latency p50/p99, delivered leads/s). Prints
// tables and writes docs/benchmarks.md. The four switches (BENCH_SECONDS,
// BENCH_CONNECTIONS, BENCH_PARTS, BENCH_DOC) are described in scripts/bench/settings.mjs
// and docs/benchmarks.md.
import "./bench/quiet-env.mjs";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { bundleSize, bundleWorker } from "./bench/bundle.mjs";
import { runMode } from "./bench/cases.mjs";
import { cleanupAll, onCleanup } from "./bench/cleanup.mjs";
import { readRetries } from "./bench/durability.mjs";
import { runEndToEnd } from "./bench/e2e.mjs";
import { renderE2eMarkdown, renderE2eText } from "./bench/e2e-report.mjs";
import { assertSameCompatibilityDate, benchKinds, benchWorkerDirs } from "./bench/kinds.mjs";
import { describeMachine } from "./bench/machine.mjs";
import { executableOf } from "./bench/processes.mjs";
import { modeLabels, renderMarkdown, renderText, verdicts } from "./bench/report.mjs";
import { settings, switchNames } from "./bench/settings.mjs";
import { gatewayTree } from "./bench/source-tree.mjs";
import { startTarget } from "./bench/targets.mjs";
import { leadBody } from "./bench/webhook.mjs";
import { readSection, withSection } from "./lib/doc-section.mjs";
import { root } from "./wrangler-env.mjs";

const say = (line) => process.stdout.write(`${line}\n`);

/** The command that reproduces this run, with the switches it was given. */
function commandLine() {
  const env = switchNames.filter((name) => process.env[name]).map((name) => `${name}=${process.env[name]}`);
  return [...env, "npm run bench"].join(" ");
}

async function main() {
  const started = new Date();
  const runDir = path.join(root, ".bench", `run-${started.toISOString().replace(/[:.]/g, "-")}-${process.pid}`);
  mkdirSync(runDir, { recursive: true });
  // Registered first, so it runs last: after every server that writes into it stopped.
  const removeRunDir = () => {
    rmSync(runDir, { recursive: true, force: true });
    // wrangler's build cache next to the bench's own Workers (git-ignored, but clutter).
    for (const dir of benchWorkerDirs) rmSync(path.join(dir, ".wrangler"), { recursive: true, force: true });
  };
  onCleanup("run directory", removeRunDir, removeRunDir);

  const warnings = [];
  const failures = [];
  const tree = gatewayTree();
  const gatewayConfig = path.join(tree.dir, "wrangler.toml");
  // The trigger control runs in the headline way only: one more Worker per way would
  // lengthen every run for a figure one way shows.
  const kindsFor = (mode) => benchKinds({ gatewayConfig, withTriggerControl: mode === "wrangler-dev" });
  const kinds = kindsFor("wrangler-dev");
  assertSameCompatibilityDate(kinds);
  const machine = describeMachine();
  // Other work on the machine takes cores from workerd and skews a pair's ratio.
  const loadBefore = os.loadavg()[0];
  if (loadBefore > machine.cores * 0.5) {
    warnings.push(`the machine was busy when the run started (1-minute load average ${loadBefore.toFixed(2)} on ${machine.cores} cores)`);
  }
  const runIngest = settings.modes.length > 0;
  const runE2e = settings.parts.includes("e2e");
  say(`gateway code: ${tree.description}`);
  say(
    `bench: ${settings.parts.join(" and ")}; ` +
      (runIngest ? `${settings.seconds} s per case, connections ${settings.connections.join(" and ")}; ` : "") +
      `ways: ${settings.modes.map((m) => modeLabels[m]).join(", ") || "none"}`,
  );

  say("bundling (wrangler deploy --dry-run)…");
  const sizes = {};
  if (runIngest) {
    for (const kind of kinds) {
      if (kind.bundle) continue; // runs another kind's bundle
      const { file, upload } = bundleWorker({ config: kind.config, outdir: path.join(runDir, "min", kind.id), minify: true });
      sizes[kind.id === "ingest" ? "gateway" : kind.label] = { ...bundleSize(file), upload };
    }
  }
  // Unminified, like what wrangler dev runs, so both ways run the same code shape.
  // The end-to-end part runs the gateway's bundle ("ingest") with its own config.
  const bundles = {};
  if (settings.modes.includes("miniflare") || (runE2e && settings.e2e.modes.includes("miniflare"))) {
    for (const kind of kinds) {
      if ((!settings.modes.includes("miniflare") && kind.id !== "ingest") || kind.bundle) continue;
      bundles[kind.id] = bundleWorker({ config: kind.config, outdir: path.join(runDir, "dev", kind.id), minify: false }).file;
    }
  }

  const cases = [];
  const durability = [];
  const binaries = new Set();
  for (const mode of settings.modes) {
    // All Workers of the comparison run at once and take turns (scripts/bench/cases.mjs).
    const runs = [];
    try {
      for (const kind of kindsFor(mode)) {
        say(`${modeLabels[mode]} / ${kind.label}: starting…`);
        const target = await startTarget({ mode, kind, runDir, bundles });
        runs.push({ kind, target });
        for (const pid of target.pids()) binaries.add(executableOf(pid) ?? "unknown");
      }
      const out = await runMode({ mode, runs });
      cases.push(...out.cases);
      durability.push(...out.durability);
      failures.push(...out.failures);
      warnings.push(...out.warnings);
    } finally {
      for (const { target } of runs) await target.stop();
    }
  }

  // End to end: webhook → HubSpot fake, each way (scripts/bench/e2e.mjs).
  const e2e = [];
  for (const mode of runE2e ? settings.e2e.modes : []) {
    const out = await runEndToEnd({
      mode,
      runDir,
      bundles,
      gatewayConfig,
      onPids: (pids) => pids.forEach((pid) => binaries.add(executableOf(pid) ?? "unknown")),
    });
    e2e.push(out);
    failures.push(...out.failures);
    warnings.push(...out.warnings);
  }

  if (readRetries() > 0) warnings.push(`${readRetries()} reads of D1 by the bench failed and were retried`);
  if (binaries.size > 1) warnings.push(`more than one workerd binary ran: ${[...binaries].join(", ")}`);
  if (runIngest) say(renderText({ cases, durability, sizes, binaries, failed: failures.length > 0 }));
  if (runE2e) say(renderE2eText(e2e, { failed: failures.length > 0 }));
  for (const warning of warnings) say(`warning: ${warning}`);
  if (failures.length > 0) {
    say(`\nBENCH FAILED — these figures do not describe accepted webhooks:\n${failures.map((f) => `  - ${f}`).join("\n")}`);
    say("docs/benchmarks.md was not written.");
    return 1;
  }
  for (const v of verdicts(cases)) {
    if (!v.met) say(`note: ${modeLabels[v.mode]}: gateway/${v.base} ${v.ratio.toFixed(2)} is below its goal ${v.target}`);
  }
  for (const r of e2e) {
    for (const v of r.verdicts)
      if (!v.met) say(`note: ${modeLabels[r.mode]} end to end: ${v.what} ${Math.round(v.value)} ${v.unit} misses its target ${v.target}`);
  }
  // A run without the ingest part would replace its figures with nothing: no doc then.
  if (settings.writeDoc && !runIngest) {
    say("docs/benchmarks.md was not written: no ingest part ran (BENCH_PARTS).");
  } else if (settings.writeDoc) {
    const doc = renderMarkdown({
      date: started.toISOString(),
      machine,
      loadAverages: { before: loadBefore, after: os.loadavg()[0] },
      command: commandLine(),
      code: tree.description,
      settings,
      bodyBytes: Buffer.byteLength(leadBody("0123abcd-100000", 100000)),
      cases,
      durability,
      sizes,
      binaries,
      warnings,
      e2eSection: runE2e ? renderE2eMarkdown(e2e, settings.e2e) : "## End to end: webhook → HubSpot\n\nNot run this time (`BENCH_PARTS`).\n",
    });
    mkdirSync(path.join(root, "docs"), { recursive: true });
    // The "Soak" section belongs to `npm run soak` (scripts/soak.mjs): carry it over.
    const file = path.join(root, "docs", "benchmarks.md");
    const soak = existsSync(file) ? readSection(readFileSync(file, "utf8"), "Soak") : undefined;
    writeFileSync(file, soak ? withSection(doc, "Soak", soak) : doc);
    say("wrote docs/benchmarks.md");
  }
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.stack : error}`);
} finally {
  await cleanupAll();
}
// Exit explicitly: a lingering keep-alive socket must not keep a finished bench alive.
process.exit(code);
