// What the figures were measured on: they mean little without the machine and the
// exact runtime versions next to them.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { root } from "../wrangler-env.mjs";

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return "unknown";
  }
}

function cpuModel() {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (match) return match[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? "unknown";
}

function workerdBuild() {
  const result = spawnSync(path.join(root, "node_modules", ".bin", "workerd"), ["--version"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : "unknown";
}

export function describeMachine() {
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    workerd: `${packageVersion("workerd")} (${workerdBuild()})`,
    miniflare: packageVersion("miniflare"),
    wrangler: packageVersion("wrangler"),
    hono: packageVersion("hono"),
    autocannon: packageVersion("autocannon"),
  };
}
