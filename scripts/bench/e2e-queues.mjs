// The local queue broker (Miniflare's, also under wrangler dev) logs one line per
// consumer batch: "QUEUE <queue> <acked>/<total> (<ms>ms)". Those lines show how full
// the batches were and how long each took, which is where the end-to-end time goes.
import { Log, LogLevel } from "miniflare";

const ansi = /\x1b\[[0-9;]*m/g;
const batchLine = /QUEUE (\S+) (\d+)\/(\d+)(?: \((\d+)ms\))?/;

/** One parsed batch line, or undefined. */
export function parseBatchLine(line) {
  const match = batchLine.exec(line.replace(ansi, ""));
  if (!match) return undefined;
  return { queue: match[1], acked: Number(match[2]), total: Number(match[3]), ms: Number(match[4] ?? 0) };
}

/**
 * A Miniflare Log that prints nothing and keeps the broker's batch lines, stamped
 * when they arrived. `mark()` and `since(mark)` cut them per phase.
 */
export function queueBatchLog() {
  const batches = [];
  class BatchLog extends Log {
    constructor() {
      super(LogLevel.INFO);
    }
    logWithLevel(level, message) {
      if (level > LogLevel.INFO) return;
      const batch = parseBatchLine(String(message));
      if (batch) batches.push({ ...batch, at: Date.now() });
    }
    log() {}
  }
  return { log: new BatchLog(), mark: () => batches.length, since: (mark) => batches.slice(mark) };
}

/**
 * The same from wrangler dev's log: `text()` is everything it printed so far.
 * @param {() => string} text
 */
export function wranglerBatchLog(text) {
  return {
    mark: () => text().length,
    since: (mark) => text().slice(mark).split("\n").map(parseBatchLine).filter(Boolean),
  };
}
