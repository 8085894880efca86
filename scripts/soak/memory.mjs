// Resident memory of every process in wrangler dev's process group: wrangler's node
// processes, its esbuild service and the two workerd processes (the proxy in front
// and the one running the Worker). Read from /proc (Linux), as the bench does.
import { readFileSync } from "node:fs";
import { processesInGroup, rssKiB } from "../bench/processes.mjs";

function read(file) {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/**
 * A short name with the role: wrangler's launcher and its cli.js child, esbuild, and
 * the two workerd processes — the proxy listens on the dev port itself, the Worker's
 * on an ephemeral one (`entry=127.0.0.1:0`) with an inspector.
 */
function label(pid) {
  const comm = read(`/proc/${pid}/comm`).trim() || "?";
  const args = read(`/proc/${pid}/cmdline`).split("\0").filter(Boolean);
  if (comm === "workerd") return args.some((a) => a.startsWith("--inspector-addr")) ? "workerd (Worker)" : "workerd (proxy)";
  if (comm === "node" || comm.startsWith("node")) {
    if (args.some((a) => a.endsWith("wrangler-dist/cli.js"))) return "node (wrangler cli.js)";
    if (args.some((a) => a.endsWith("/.bin/wrangler") || a.endsWith("bin/wrangler.js"))) return "node (wrangler launcher)";
    return "node";
  }
  return comm;
}

/** One sample: `{ at, procs: [{ pid, name, mib }] }` for the group led by `pgid`. */
export function sampleGroup(pgid, at = Date.now()) {
  if (!pgid) return { at, procs: [] };
  const procs = processesInGroup(pgid)
    .map((pid) => ({ pid, name: label(pid), mib: (rssKiB(pid) ?? 0) / 1024 }))
    .filter((p) => p.mib > 0);
  return { at, procs };
}

/**
 * Per process over all samples: first, last, max and the growth per hour (least
 * squares over every sample, so one noisy minute does not decide the figure).
 */
export function memorySummary(samples) {
  const series = new Map();
  for (const sample of samples) {
    for (const p of sample.procs) {
      const key = `${p.name}|${p.pid}`;
      const list = series.get(key) ?? [];
      list.push({ at: sample.at, mib: p.mib });
      series.set(key, list);
    }
  }
  return [...series].map(([key, points]) => {
    const [name, pid] = key.split("|");
    return {
      name,
      pid: Number(pid),
      samples: points.length,
      first: points[0].mib,
      last: points.at(-1).mib,
      max: Math.max(...points.map((p) => p.mib)),
      perHour: slopePerHour(points),
      spanMinutes: (points.at(-1).at - points[0].at) / 60_000,
    };
  });
}

function slopePerHour(points) {
  if (points.length < 2) return undefined;
  const xs = points.map((p) => (p.at - points[0].at) / 3_600_000);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = points.reduce((a, p) => a + p.mib, 0) / points.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * (points[i].mib - my);
    den += (x - mx) ** 2;
  });
  return den === 0 ? undefined : num / den;
}
