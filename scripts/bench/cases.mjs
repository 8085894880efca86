// The load cases of one way of running: every Worker of the comparison is up at once
// and they take turns, in short interleaved slices (the order rotating each round),
// so machine noise that comes and goes hits both sides of a ratio alike. Each case
// gets CPU, memory and, for the gateway, the durability of its 202s.
import os from "node:os";
import { checkDurability } from "./durability.mjs";
import { mergeSlices, runLoad } from "./load.mjs";
import { cpuMeter, memoryOf } from "./processes.mjs";
import { modeLabels } from "./report.mjs";
import { settings } from "./settings.mjs";
import { sourceId } from "./webhook.mjs";

const say = (line) => process.stdout.write(`${line}\n`);

/** Problems that make a case's figures worthless; any of them fails the run. */
function problemsOf(c) {
  const expected = c.statuses[c.expectedStatus] ?? 0;
  const unexpected = c.responses - expected + c.errors + c.timeouts;
  if (c.responses === 0) return ["no responses at all"];
  if (unexpected > settings.maxUnexpectedShare * c.responses) {
    return [
      `${unexpected} of ${c.responses} requests were not ${c.expectedStatus} (statuses ${JSON.stringify(c.statuses)}, errors ${c.errors}, timeouts ${c.timeouts})`,
    ];
  }
  return [];
}

/** Sums the CPU measurements of several slices. */
function sumCpu(parts) {
  const sum = (field) => parts.reduce((total, p) => total + p[field], 0);
  return { wallSeconds: sum("wallSeconds"), targetSeconds: sum("targetSeconds"), waitSeconds: sum("waitSeconds"), loadSeconds: sum("loadSeconds") };
}

/**
 * `runs` pairs each kind with its started target. Returns { cases, durability,
 * failures, warnings } for this `mode`.
 */
export async function runMode({ mode, runs }) {
  const out = { cases: [], durability: [], failures: [], warnings: [] };
  const sliceSeconds = settings.seconds / settings.rounds;
  for (const run of runs) {
    // Every id the gateway answered 202 with, warm-up included: each must reach D1.
    run.accepted = new Set();
    let unreadable = 0;
    run.onAccepted = run.kind.seed ? (id) => run.accepted.add(id ?? `unreadable-${(unreadable += 1)}`) : undefined;
    run.load = (connections, seconds) => runLoad({ baseUrl: run.target.baseUrl, path: run.kind.path, connections, seconds, onAccepted: run.onAccepted });
  }

  /**
   * After a gateway slice: wait until its events are in D1 and routed, so no flush or
   * consumer batch runs into the next slice. If routing once does not finish in time
   * (the consumer failing, say), later slices only wait for D1: the run stays bounded.
   */
  const settle = async (run, endedAt) => {
    if (!run.target.db) return undefined;
    const check = await checkDurability({
      db: run.target.db,
      sourceId,
      acceptedIds: run.accepted,
      loadEndedAt: endedAt,
      timeoutMs: settings.flushTimeoutMs,
      routedTimeoutMs: run.routingStalled ? 0 : settings.routedTimeoutMs,
    });
    if (check.allRoutedMs === undefined) run.routingStalled = true;
    return check;
  };

  if (settings.warmupSeconds > 0) {
    for (const run of runs) {
      const slice = await run.load(Math.max(...settings.connections), settings.warmupSeconds);
      await settle(run, slice.endedAt);
    }
  }

  for (const connections of settings.connections) {
    for (const run of runs) (run.slices = []), (run.cpu = []), (run.checks = []);
    for (let round = 0; round < settings.rounds; round++) {
      const order = runs.map((_, i) => runs[(i + round) % runs.length]);
      for (const run of order) {
        const meter = cpuMeter(run.target.cpuPids);
        const slice = await run.load(connections, sliceSeconds);
        run.cpu.push(meter.stop());
        run.slices.push(slice);
        const check = await settle(run, slice.endedAt);
        if (check) run.checks.push(check);
      }
    }
    for (const run of runs) {
      const { kind, target } = run;
      const where = `${modeLabels[mode]} ${kind.label} at ${connections} connections`;
      const cpu = sumCpu(run.cpu);
      const c = {
        mode,
        connections,
        kind: kind.id,
        label: kind.label,
        expectedStatus: kind.expectedStatus,
        ...mergeSlices(run.slices),
        cpu,
        memory: memoryOf(target.pids()),
        loadAverage: os.loadavg()[0],
      };
      out.cases.push(c);
      say(
        `  ${kind.label}, ${connections} conns: ${Math.round(c.rps)} req/s, p50 ${c.p50?.toFixed(2)} ms, p99 ${c.p99?.toFixed(2)} ms, ` +
          `statuses ${JSON.stringify(c.statuses)}, CPU ${(cpu.targetSeconds / cpu.wallSeconds).toFixed(2)} cores ` +
          `(${Math.round((cpu.targetSeconds / Math.max(1, c.responses)) * 1e6)} µs/req, run-queue wait ${(cpu.waitSeconds / cpu.wallSeconds).toFixed(2)}), ` +
          `load generator ${(cpu.loadSeconds / cpu.wallSeconds).toFixed(2)} cores, workerd ${c.memory.totalMiB.toFixed(0)} MiB`,
      );
      for (const problem of problemsOf(c)) out.failures.push(`${where}: ${problem}`);
      if (run.checks.length > 0) {
        const last = run.checks.at(-1);
        const worst = (field) => (run.checks.some((d) => d[field] === undefined) ? undefined : Math.max(...run.checks.map((d) => d[field])));
        const d = {
          ...last,
          mode,
          connections,
          label: kind.label,
          allInD1Ms: worst("allInD1Ms"),
          allRoutedMs: worst("allRoutedMs"),
          slices: run.checks.length,
        };
        out.durability.push(d);
        say(
          `  durability: ${d.accepted} accepted so far, ${d.rows} rows in D1, ${d.missing} missing; ` +
            `slowest slice: all in D1 after ${d.allInD1Ms ?? "—"} ms, routed after ${d.allRoutedMs ?? "—"} ms`,
        );
        if (d.missing > 0) out.failures.push(`${where}: ${d.missing} accepted events not in D1 after ${settings.flushTimeoutMs} ms`);
        else if (d.allRoutedMs === undefined) out.warnings.push(`${where}: not all events left "queued" within ${settings.routedTimeoutMs} ms of a slice`);
      }
    }
  }

  for (const { kind, target } of runs) {
    const where = `${modeLabels[mode]} ${kind.label}`;
    const errors = target.errorLines();
    if (errors.length > 0) out.warnings.push(`${where}: ${errors.length} error log lines, the first: ${errors[0].slice(0, 300)}`);
    for (const line of target.reloads()) out.warnings.push(`${where}: wrangler reloaded during the run (${line.trim()}); its figures may be off`);
  }
  return out;
}
