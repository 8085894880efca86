// `npm run test:scripts`: the log tail's reader, filters and formatter on sample output
// of each kind it must read: plain JSON lines, `wrangler dev` (coloured boxes, its own
// lines mixed in) and `wrangler tail --format json` (pretty-printed events).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseArgs, recordFilter } from "../../scripts/tail/filter.mjs";
import { formatRecord } from "../../scripts/tail/format.mjs";
import { createRecordReader, recordsIn } from "../../scripts/tail/records.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

const ingest = {
  level: "info",
  msg: "ingest",
  time: "2026-11-27T16:05:01.222Z",
  requestId: "req_01A",
  sourceId: "typeform-leads",
  eventId: "evt_01A",
  outcome: "accepted",
  status: 202,
  latencyMs: 30,
};
const refused = {
  level: "warn",
  msg: "ingest",
  time: "2026-11-27T16:05:01.273Z",
  requestId: "req_01B",
  sourceId: "website-signup",
  outcome: "timestamp_out_of_tolerance",
  status: 401,
  latencyMs: 13,
};
const routed = {
  level: "info",
  msg: "routed",
  time: "2026-11-27T16:05:02.000Z",
  eventId: "evt_01A",
  sourceId: "typeform-leads",
  status: "routed",
  routeId: "hot",
  ownerId: "101",
  deliveries: 2,
};
const attempt = {
  level: "warn",
  msg: "delivery attempt",
  time: "2026-11-27T16:05:11.441Z",
  deliveryId: "evt_01A:0",
  eventId: "evt_01A",
  destinationId: "hubspot",
  attempt: 1,
  ok: false,
  status: 503,
  latencyMs: 1200,
  error: "HTTP 503 INTERNAL_ERROR",
};

// What `wrangler dev` prints: its own lines, info lines bare, warn/error lines boxed in colour.
const wranglerDev = [
  "⎔ Starting local server...",
  "[wrangler:info] Ready on http://127.0.0.1:8787",
  JSON.stringify(ingest),
  "[wrangler:info] POST /in/typeform-leads 202 Accepted (31ms)",
  `\u001b[33m▲ \u001b[43;33m[\u001b[43;30mWARNING\u001b[43;33m]\u001b[0m \u001b[1m${JSON.stringify(refused)}\u001b[0m`,
  "",
  JSON.stringify(routed),
  `\u001b[33m▲ \u001b[43;33m[\u001b[43;30mWARNING\u001b[43;33m]\u001b[0m \u001b[1m${JSON.stringify(attempt)}\u001b[0m`,
  "[wrangler:info] QUEUE switchboard-deliveries 1/1 (40ms)",
  "{ not json at all",
].join("\n");

// What `wrangler tail --format json` prints: JSON.stringify(event, null, 4) per invocation.
const tailEvent = {
  outcome: "ok",
  scriptName: "switchboard",
  exceptions: [],
  logs: [
    { message: [JSON.stringify(ingest)], level: "log", timestamp: 1795795501222 },
    { message: ["plain text from a library { with a brace"], level: "warn", timestamp: 1795795501223 },
  ],
  eventTimestamp: 1795795501200,
  event: { request: { url: "https://switchboard.example.workers.dev/in/typeform-leads", method: "POST", headers: {} }, response: { status: 202 } },
};
const crashed = {
  outcome: "exception",
  scriptName: "switchboard",
  exceptions: [{ name: "TypeError", message: "x is undefined", timestamp: 1795795502000 }],
  logs: [],
  eventTimestamp: 1795795502000,
  event: { queue: "switchboard-deliveries", batchSize: 3 },
};

describe("reading records", () => {
  it("takes our JSON lines from wrangler dev output and skips wrangler's own lines", () => {
    assert.deepEqual(recordsIn(wranglerDev), [ingest, refused, routed, attempt]);
  });

  it("unwraps pretty-printed wrangler tail events, keeping other console output and exceptions", () => {
    const text = [JSON.stringify(tailEvent, null, 4), "some wrangler chatter", JSON.stringify(crashed, null, 4)].join("\n");
    const records = recordsIn(text);
    assert.deepEqual(records[0], ingest);
    assert.equal(records[1].msg, "plain text from a library { with a brace");
    assert.equal(records[1].level, "warn");
    assert.equal(records[1].url, "https://switchboard.example.workers.dev/in/typeform-leads");
    assert.deepEqual(
      [records[2].level, records[2].msg, records[2].error, records[2].queue],
      ["error", "exception", "TypeError: x is undefined", "switchboard-deliveries"],
    );
    assert.equal(records.length, 3);
  });

  it("reads a compact (one-line) tail event too, and survives a truncated one", () => {
    const reader = createRecordReader();
    assert.deepEqual(
      reader.push(JSON.stringify(tailEvent)).map((r) => r.msg),
      ["ingest", "plain text from a library { with a brace"],
    );
    assert.deepEqual(reader.push("{"), []);
    assert.deepEqual(reader.push('    "outcome": "ok",'), []);
    assert.deepEqual(reader.push("}"), []);
    assert.deepEqual(reader.push(JSON.stringify(routed)), [routed]);
  });
});

describe("filters", () => {
  const all = [ingest, refused, routed, attempt];
  const keep = (...argv) => all.filter(recordFilter(parseArgs(argv))).map((r) => r.requestId ?? r.deliveryId ?? r.msg);

  it("--source, --route, --event", () => {
    assert.deepEqual(keep("--source", "typeform-leads"), ["req_01A", "routed"]);
    assert.deepEqual(keep("--route", "hot"), ["routed"]);
    assert.deepEqual(keep("--event", "evt_01A"), ["req_01A", "routed", "evt_01A:0"]);
  });

  it("--status takes a code, a class or an event status", () => {
    assert.deepEqual(keep("--status", "401"), ["req_01B"]);
    assert.deepEqual(keep("--status", "5xx"), ["evt_01A:0"]);
    assert.deepEqual(keep("--status", "4xx"), ["req_01B"]);
    assert.deepEqual(keep("--status", "routed"), ["routed"]);
  });

  it("--slow keeps records with latencyMs at least that; --level this level and above", () => {
    assert.deepEqual(keep("--slow", "500"), ["evt_01A:0"]);
    assert.deepEqual(keep("--slow", "30"), ["req_01A", "evt_01A:0"]);
    assert.deepEqual(keep("--level", "warn"), ["req_01B", "evt_01A:0"]);
    assert.deepEqual(keep("--level", "warn", "--source", "website-signup"), ["req_01B"]);
  });

  it("refuses what it does not understand", () => {
    assert.throws(() => parseArgs(["--slow", "fast"]), /milliseconds/);
    assert.throws(() => parseArgs(["--level", "loud"]), /--level is one of/);
    assert.throws(() => parseArgs(["--frobnicate"]), /unknown option/);
    assert.throws(() => parseArgs(["--source"]), /needs a value/);
    assert.equal(parseArgs(["switchboard", "--status", "429"]).worker, "switchboard");
  });
});

describe("formatting", () => {
  it("prints one compact line: time, level, message, then the fields that matter", () => {
    assert.equal(formatRecord(ingest), "16:05:01.222 INFO  ingest           typeform-leads 202 accepted 30ms evt_01A req_01A");
    assert.equal(formatRecord(routed), "16:05:02.000 INFO  routed           typeform-leads routed route=hot owner=101 deliveries=2 evt_01A");
    assert.equal(formatRecord(attempt), '16:05:11.441 WARN  delivery attempt → hubspot #1 503 1200ms evt_01A:0 error="HTTP 503 INTERNAL_ERROR"');
  });

  it("shows fields it does not know as key=value, and colours only when asked", () => {
    const line = formatRecord({
      level: "error",
      msg: "inbox flush failed; will retry",
      time: "2026-11-27T16:00:00.000Z",
      pending: 12,
      failures: 2,
      retryInMs: 900,
      error: "D1 down",
    });
    assert.equal(line, '16:00:00.000 ERROR inbox flush failed; will retry pending=12 failures=2 retryInMs=900 error="D1 down"');
    assert.match(formatRecord(attempt, { color: true }), /\u001b\[33mWARN/);
    assert.doesNotMatch(formatRecord(attempt), /\u001b/);
  });

  it("runs as a pipe: npm run tail -- --slow 500 < wrangler dev output", () => {
    const result = spawnSync(process.execPath, [path.join(root, "scripts", "tail.mjs"), "--slow", "500"], { input: wranglerDev, encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '16:05:11.441 WARN  delivery attempt → hubspot #1 503 1200ms evt_01A:0 error="HTTP 503 INTERNAL_ERROR"\n');
  });
});
