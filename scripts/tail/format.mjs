// One record → one short line: time, level, message, then the fields that matter
// most in a fixed order (who, what, how long, which ids), then anything else as
// key=value, so a new field in the code shows up without changing this file.

const codes = { red: 31, yellow: 33, cyan: 36, dim: 2, bold: 1 };
const paint = (on, code, text) => (on ? `\u001b[${codes[code]}m${text}\u001b[0m` : text);

/**
 * Fields shown without their name, in this order; the rest follow as key=value.
 * @type {[string, (value: unknown) => string][]}
 */
const layout = [
  ["sourceId", (v) => String(v)],
  ["destinationId", (v) => `→ ${v}`],
  ["attempt", (v) => `#${v}`],
  ["status", (v) => String(v)],
  ["outcome", (v) => String(v)],
  ["routeId", (v) => `route=${v}`],
  ["ownerId", (v) => `owner=${v}`],
  ["deliveries", (v) => `deliveries=${v}`],
  ["latencyMs", (v) => `${v}ms`],
  ["count", (v) => `count=${v}`],
  ["eventId", (v) => String(v)],
  ["deliveryId", (v) => String(v)],
  ["requestId", (v) => String(v)],
];
const skipped = new Set(["level", "msg", "time", "ok", "error", ...layout.map(([key]) => key)]);

function clock(time) {
  const date = new Date(time ?? Date.now());
  return Number.isNaN(date.getTime()) ? String(time) : date.toISOString().slice(11, 23);
}

function show(value) {
  if (typeof value === "string") return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

/**
 * @param {Record<string, unknown>} record a log record ({ level, msg, time, ...fields })
 * @param {{ color?: boolean, slowMs?: number }} options
 */
export function formatRecord(record, { color = false, slowMs = 1000 } = {}) {
  const level = String(record.level ?? "info");
  const levelText = level.toUpperCase().padEnd(5);
  const tint = level === "error" ? "red" : level === "warn" ? "yellow" : undefined;
  const parts = [
    paint(color, "dim", clock(record.time)),
    tint ? paint(color, tint, levelText) : levelText,
    paint(color, "bold", String(record.msg).padEnd(16)),
  ];
  for (const [key, render] of layout) {
    const value = record[key];
    if (value === undefined || value === null || value === "") continue;
    // A delivery id is `<eventId>:<n>`: the event id alone would say it twice.
    if (key === "eventId" && typeof record.deliveryId === "string" && record.deliveryId.startsWith(`${value}:`)) continue;
    let text = render(value);
    if (key === "latencyMs" && typeof value === "number" && value >= slowMs) text = paint(color, "red", text);
    if (key.endsWith("Id") && key !== "sourceId" && key !== "destinationId" && key !== "routeId" && key !== "ownerId") text = paint(color, "dim", text);
    parts.push(text);
  }
  for (const [key, value] of Object.entries(record)) {
    if (skipped.has(key) || value === undefined || value === null) continue;
    parts.push(`${key}=${show(value)}`);
  }
  if (record.error !== undefined && record.error !== null) parts.push(paint(color, tint ?? "red", `error=${show(record.error)}`));
  return parts.join(" ");
}
