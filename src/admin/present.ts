import { maskSecret } from "../config/secret-fields";
import type { SlaTimerRow } from "../db/schema";
import { historyOf } from "../db/sla-timers";

/**
 * How stored events are shown: headers that can carry a credential masked, JSON
 * columns parsed, the body as text when it is UTF-8 (base64 otherwise).
 */

const sensitiveNames = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"]);
const sensitiveParts = ["signature", "token", "secret"];

export function isSensitiveHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return sensitiveNames.has(lower) || sensitiveParts.some((part) => lower.includes(part));
}

export function maskHeaders(stored: string): Record<string, string> {
  const headers = parseJson(stored);
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) return {};
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => {
      const text = String(value);
      return [name, isSensitiveHeader(name) ? maskSecret(text) : text];
    }),
  );
}

/** Our own JSON columns; a value that does not parse is shown as the text it is. */
export function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function presentBody(body: Uint8Array | null): { body: string | null; bodyEncoding: "utf-8" | "base64" | null } {
  if (!body) return { body: null, bodyEncoding: null };
  try {
    return { body: utf8.decode(body), bodyEncoding: "utf-8" };
  } catch {
    let binary = "";
    for (const byte of body) binary += String.fromCharCode(byte);
    return { body: btoa(binary), bodyEncoding: "base64" };
  }
}

export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** An event's SLA clock as the API and the console show it: times as ISO text, the history parsed. */
export function presentSla(row: SlaTimerRow | undefined) {
  if (!row) return null;
  return {
    status: row.status,
    routeId: row.routeId,
    poolId: row.poolId,
    ownerId: row.ownerId,
    until: row.untilOutcome,
    then: row.then,
    notify: row.notify,
    workingHoursOnly: row.workingHoursOnly,
    withinMs: row.withinMs,
    startedAt: new Date(row.startedAt).toISOString(),
    dueAt: new Date(row.dueAt).toISOString(),
    reassignments: row.reassignments,
    history: historyOf(row).map((entry) => ({ ...entry, at: new Date(entry.at).toISOString() })),
  };
}

export type PresentedSla = NonNullable<ReturnType<typeof presentSla>>;
