// `npm run bench:profile`: where the ingest path spends its CPU. Starts the gateway
// through the Miniflare API (as `npm run bench` does) with the V8 inspector on,
// drives signed webhooks at it for BENCH_SECONDS (10) over BENCH_CONNECTIONS (16),
// records a CPU profile of the Worker's isolate, and prints the functions with the
// most self time and the source modules (from the bundle's module comments) they
// belong to. The profile is written to .bench/ingest.cpuprofile (open it in Chrome
// DevTools or speedscope).
import "./quiet-env.mjs";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import WebSocket from "ws";
import { freePort } from "../lib/free-port.mjs";
import { root } from "../wrangler-env.mjs";
import { bundleWorker } from "./bundle.mjs";
import { cleanupAll, onCleanup } from "./cleanup.mjs";
import { runLoad } from "./load.mjs";
import { startMiniflareTarget } from "./miniflare-target.mjs";
import { gatewayTree } from "./source-tree.mjs";
import { sourceId } from "./webhook.mjs";

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);

/** A tiny Chrome DevTools Protocol client: one socket, numbered calls. */
function cdp(url) {
  const socket = new WebSocket(url);
  let next = 0;
  const waiting = new Map();
  socket.on("message", (data) => {
    const message = JSON.parse(data.toString());
    const done = waiting.get(message.id);
    if (!done) return;
    waiting.delete(message.id);
    if (message.error) done.reject(new Error(message.error.message));
    else done.resolve(message.result);
  });
  const opened = new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  return {
    opened,
    call: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = ++next;
        waiting.set(id, { resolve, reject });
        socket.send(JSON.stringify({ id, method, params }));
      }),
    close: () => socket.close(),
  };
}

/** The bundle's `// src/ingest/route.ts` comments: which module each line belongs to. */
function moduleIndex(bundle) {
  const lines = readFileSync(bundle, "utf8").split("\n");
  const starts = [];
  lines.forEach((line, i) => {
    const m = /^\/\/ (?:\.\.\/)*(src\/\S+|node_modules\/\S+)/.exec(line);
    if (!m) return;
    const parts = m[1].split("/");
    // A dependency is named by its package (hono, jsonata, …); our code by its file.
    starts.push([i, parts[0] === "node_modules" ? parts.slice(1, parts[1]?.startsWith("@") ? 3 : 2).join("/") : m[1]]);
  });
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = "(runtime)";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid][0] <= line) {
        found = starts[mid][1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

function summarize(profile, moduleOf, bundleName) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map();
  const modules = new Map();
  for (const [id, us] of self) {
    const node = byId.get(id);
    const f = node.callFrame;
    const inBundle = f.url.endsWith(bundleName);
    const module = inBundle
      ? moduleOf(f.lineNumber)
      : f.functionName === "(idle)"
        ? "(idle)"
        : f.url
          ? `(${path.basename(f.url) || "runtime"})`
          : `(${f.functionName || "native"})`;
    const key = `${f.functionName || "(anonymous)"}  ${module}${inBundle ? `:${f.lineNumber + 1}` : ""}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    modules.set(module, (modules.get(module) ?? 0) + us);
  }
  const top = (map, n) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`)
      .join("\n");
  // Inclusive time of our own functions: a sample counts for every src/ frame on its stack.
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = new Map();
  for (const [id, us] of self) {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at).callFrame;
      if (!f.url.endsWith(bundleName)) continue;
      const module = moduleOf(f.lineNumber);
      if (!module.startsWith("src/")) continue;
      const key = `${f.functionName || "(anonymous)"}  ${module}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  return `self time by module (of ${(total / 1000).toFixed(0)} ms sampled):\n${top(modules, 30)}\n\nself time by function:\n${top(fns, 40)}\n\ninclusive time of src/ functions:\n${top(inclusive, 40)}`;
}

async function main() {
  const runDir = path.join(root, ".bench", `profile-${Date.now()}`);
  onCleanup(
    "profile run directory",
    () => rmSync(runDir, { recursive: true, force: true }),
    () => rmSync(runDir, { recursive: true, force: true }),
  );
  mkdirSync(runDir, { recursive: true });
  const tree = gatewayTree();
  const config = path.join(tree.dir, "wrangler.toml");
  const bundle = bundleWorker({ config, outdir: path.join(runDir, "dev"), minify: false }).file;
  const inspectorPort = await freePort();
  const target = await startMiniflareTarget({
    name: "switchboard",
    config,
    scriptPath: bundle,
    persistRoot: path.join(runDir, "state"),
    seed: true,
    inspectorPort,
    withoutAssets: true,
  });
  const list = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  // Every isolate of the workerd: the gateway's own (its fetch handler, Durable Objects
  // and queue consumers share it) and Miniflare's (D1, queues, KV, the entry worker).
  const clients = list.map((t) => ({ title: t.title.replace(/^workerd: worker /, ""), client: cdp(t.webSocketDebuggerUrl) }));
  for (const { client } of clients) {
    await client.opened;
    await client.call("Profiler.enable");
    await client.call("Profiler.setSamplingInterval", { interval: 200 });
  }
  // Warm up (JIT, config cache) before recording.
  await runLoad({ baseUrl: target.baseUrl, path: `/in/${sourceId}`, connections, seconds: 2, onAccepted: () => {} });
  for (const { client } of clients) await client.call("Profiler.start");
  let accepted = 0;
  const load = await runLoad({ baseUrl: target.baseUrl, path: `/in/${sourceId}`, connections, seconds, onAccepted: () => accepted++ });
  const profiles = [];
  for (const { title, client } of clients) {
    const { profile } = await client.call("Profiler.stop");
    client.close();
    profiles.push({ title, profile });
  }
  const busy = (profile) => {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    let us = 0;
    profile.samples.forEach((id, i) => {
      const name = byId.get(id)?.callFrame.functionName;
      if (name !== "(idle)" && name !== "(program)") us += profile.timeDeltas[i] ?? 0;
    });
    return us;
  };
  process.stdout.write(`${accepted} accepted in ${load.seconds} s (${(accepted / load.seconds).toFixed(0)} req/s) at ${connections} connections\n\n`);
  process.stdout.write("JavaScript busy time per isolate (not idle, not (program)):\n");
  for (const { title, profile } of profiles.sort((a, b) => busy(b.profile) - busy(a.profile))) {
    const us = busy(profile);
    if (us > 0) process.stdout.write(`  ${(us / 1000).toFixed(0).padStart(6)} ms  ${(us / Math.max(1, accepted)).toFixed(0).padStart(5)} µs/req  ${title}\n`);
  }
  mkdirSync(path.join(root, ".bench"), { recursive: true });
  const gateway = profiles.find((p) => p.title === "core:user:switchboard");
  for (const { title, profile } of profiles)
    writeFileSync(path.join(root, ".bench", `${title.replace(/[^A-Za-z0-9.-]+/g, "_")}.cpuprofile`), JSON.stringify(profile));
  if (gateway) process.stdout.write(`\nthe gateway's isolate:\n${summarize(gateway.profile, moduleIndex(bundle), path.basename(bundle))}\n`);
  process.stdout.write(`\nprofiles: ${path.join(root, ".bench")}/*.cpuprofile\n`);
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
} finally {
  await cleanupAll();
}
process.exit(process.exitCode ?? 0);
