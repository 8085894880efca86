// Finds the processes a target runs and reads their memory and CPU from /proc
// (Linux only: elsewhere the figures come out as zero rather than guessed).
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

function readStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm is in parentheses and may contain spaces; the fields after it are fixed.
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const [, ppid, pgrp] = stat.slice(close + 2).split(" ");
    return { pid, comm, ppid: Number(ppid), pgrp: Number(pgrp) };
  } catch {
    return undefined; // exited while we looked
  }
}

function allProcesses() {
  let entries;
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  return entries
    .filter((name) => /^[0-9]+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter(Boolean);
}

/** workerd processes in process group `pgid` (wrangler dev, started detached). */
export function workerdInGroup(pgid) {
  return allProcesses()
    .filter((p) => p.pgrp === pgid && p.comm === "workerd")
    .map((p) => p.pid);
}

/** workerd processes that are children of `ppid` (Miniflare spawns workerd itself). */
export function workerdChildrenOf(ppid) {
  return allProcesses()
    .filter((p) => p.ppid === ppid && p.comm === "workerd")
    .map((p) => p.pid);
}

/** Every process in group `pgid` (to check a stopped group is really gone). */
export function processesInGroup(pgid) {
  return allProcesses()
    .filter((p) => p.pgrp === pgid)
    .map((p) => p.pid);
}

/** Resident memory of `pid` in KiB (VmRSS), or undefined when it cannot be read. */
export function rssKiB(pid) {
  try {
    const match = /^VmRSS:\s+([0-9]+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The binary a process runs, to show both ways use the same workerd. */
export function executableOf(pid) {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

/** RSS of each pid and their sum, in MiB. */
export function memoryOf(pids) {
  const each = pids.map((pid) => ({ pid, mib: (rssKiB(pid) ?? 0) / 1024 }));
  return { each, totalMiB: each.reduce((sum, p) => sum + p.mib, 0) };
}

/**
 * CPU time and run-queue wait of every thread of `pid` so far, in seconds, from
 * /proc/<pid>/task/<tid>/schedstat (on-CPU ns, waiting-to-run ns, slices). The wait
 * tells a target starved by other work on the machine from one that is idle.
 */
function schedOf(pid) {
  let cpu = 0;
  let wait = 0;
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return { cpu, wait };
  }
  for (const tid of tasks) {
    try {
      const [onCpu, waiting] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ").map(Number);
      cpu += onCpu / 1e9;
      wait += waiting / 1e9;
    } catch {
      // the thread ended while we read
    }
  }
  return { cpu, wait };
}

/**
 * Starts measuring the CPU that `pids()` (the target's processes) and this process
 * (the load generator) use; `stop()` returns seconds of target CPU, of target
 * run-queue wait, of load-generator CPU, and the wall time. A thread that exits in
 * between loses its share, which does not happen mid-case.
 */
export function cpuMeter(pids) {
  const started = Date.now();
  const before = new Map(pids().map((pid) => [pid, schedOf(pid)]));
  const selfBefore = process.cpuUsage();
  return {
    stop() {
      let targetSeconds = 0;
      let waitSeconds = 0;
      for (const pid of pids()) {
        const now = schedOf(pid);
        const then = before.get(pid) ?? { cpu: 0, wait: 0 };
        targetSeconds += now.cpu - then.cpu;
        waitSeconds += now.wait - then.wait;
      }
      const self = process.cpuUsage(selfBefore);
      return { wallSeconds: (Date.now() - started) / 1000, targetSeconds, waitSeconds, loadSeconds: (self.user + self.system) / 1e6 };
    },
  };
}
