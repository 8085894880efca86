// Turns log output into Switchboard log records ({ level, msg, time, ...fields }, as
// src/lib/log.ts writes them), whatever carried them:
// - plain JSON lines (the Worker's console output, e.g. from a log drain);
// - `wrangler dev` output, where warn/error lines come wrapped in a coloured
//   "▲ [WARNING] {…}" box and wrangler's own lines are mixed in (skipped);
// - `wrangler tail --format json`, which prints one pretty-printed (multi-line)
//   object per invocation, with our lines as strings inside `logs[].message`.

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
/** A pretty-printed object longer than this is not ours: drop it rather than grow forever. */
const maxBufferedLines = 20_000;

/** Net change of `{`/`[` nesting on one line, ignoring brackets inside JSON strings. */
function depthChange(line) {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (inString) {
      if (ch === "\\") i += 1;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{" || ch === "[") depth += 1;
    else if (ch === "}" || ch === "]") depth -= 1;
  }
  return depth;
}

function parseObject(text) {
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const isRecord = (value) => typeof value?.msg === "string";
const levelOfConsole = { log: "info", info: "info", debug: "debug", warn: "warn", error: "error" };

/** The records inside one `wrangler tail --format json` event. */
function fromTailEvent(event) {
  const out = [];
  const request = event.event?.request;
  const context = {
    ...(event.scriptName ? { worker: event.scriptName } : {}),
    ...(request ? { url: request.url } : {}),
    ...(event.event?.queue ? { queue: event.event.queue } : {}),
  };
  for (const entry of event.logs ?? []) {
    const parts = Array.isArray(entry.message) ? entry.message : [entry.message];
    for (const part of parts) {
      const parsed = typeof part === "string" && part.trimStart().startsWith("{") ? parseObject(part) : isRecord(part) ? part : undefined;
      if (isRecord(parsed)) out.push(parsed);
      else if (part !== undefined && part !== null && part !== "") {
        // Console output that is not ours (a library's warning): shown, not dropped.
        out.push({
          level: levelOfConsole[entry.level] ?? "info",
          msg: typeof part === "string" ? part : JSON.stringify(part),
          time: new Date(entry.timestamp ?? event.eventTimestamp ?? Date.now()).toISOString(),
          console: true,
          ...context,
        });
      }
    }
  }
  for (const exception of event.exceptions ?? []) {
    out.push({
      level: "error",
      msg: "exception",
      time: new Date(exception.timestamp ?? event.eventTimestamp ?? Date.now()).toISOString(),
      error: `${exception.name}: ${exception.message}`,
      ...context,
    });
  }
  // An invocation that died without a word (CPU or memory limit) still deserves a line.
  if (event.outcome && event.outcome !== "ok" && out.length === 0) {
    out.push({ level: "error", msg: `invocation ${event.outcome}`, time: new Date(event.eventTimestamp ?? Date.now()).toISOString(), ...context });
  }
  return out;
}

function recordsOf(object) {
  if (Array.isArray(object.logs)) return fromTailEvent(object);
  return isRecord(object) ? [object] : [];
}

/**
 * A line-at-a-time reader: `push(line)` returns the records that line completed
 * (usually zero or one; a tail event can hold several).
 */
export function createRecordReader() {
  let buffer = null;
  let depth = 0;
  let lines = 0;
  return {
    push(rawLine) {
      const line = rawLine.replace(ANSI, "");
      if (buffer !== null) {
        buffer += `\n${line}`;
        depth += depthChange(line);
        lines += 1;
        if (depth > 0 && lines < maxBufferedLines) return [];
        const text = buffer;
        buffer = null;
        const object = depth === 0 ? parseObject(text) : undefined;
        return object ? recordsOf(object) : [];
      }
      const trimmed = line.trim();
      if (trimmed.startsWith("{")) {
        const change = depthChange(trimmed);
        if (change > 0) {
          buffer = trimmed;
          depth = change;
          lines = 1;
          return [];
        }
        const object = parseObject(trimmed);
        if (object) return recordsOf(object);
      }
      // wrangler dev's "▲ [WARNING] {…}" / "✘ [ERROR] {…}" boxes: the JSON sits inside the line.
      const start = line.indexOf("{");
      const end = line.lastIndexOf("}");
      if (start >= 0 && end > start) {
        const object = parseObject(line.slice(start, end + 1));
        if (object && isRecord(object)) return [object];
      }
      return [];
    },
  };
}

/** All records in a whole text (tests, log files). */
export function recordsIn(text) {
  const reader = createRecordReader();
  return text.split("\n").flatMap((line) => reader.push(line));
}
