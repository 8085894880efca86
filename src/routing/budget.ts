import type { Lead } from "../lead/schema";
import type { Decision, DecisionTrace, TrimmedTrace } from "./decision";

/**
 * What a decision may store. An event's D1 row holds its body (at most 1.5 MiB,
 * `maxBodyBytes`), its headers, the lead and the trace, and D1 refuses a row over
 * 2,000,000 bytes (SQLITE_TOOBIG). 1.5 MiB + 128 KiB + 128 KiB leaves about 160 KB
 * for the headers and the rest. Each delivery row carries the lead again, so the
 * same lead budget keeps those rows small too. docs/routing.md explains the budgets.
 */
export const leadBudgetBytes = 128 * 1024;
export const traceBudgetBytes = 128 * 1024;

const encoder = new TextEncoder();

/** The UTF-8 size of a value's JSON, as D1 stores it. */
export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value) ?? "").byteLength;
}

/**
 * How many bytes the value's JSON is over `budget` (0 when within). A UTF-16 unit
 * is at most three UTF-8 bytes, so the common small lead or trace is settled by its
 * length without encoding it.
 */
function bytesOver(value: unknown, budget: number): number {
  const text = JSON.stringify(value) ?? "";
  return text.length * 3 <= budget ? 0 : Math.max(0, encoder.encode(text).byteLength - budget);
}

/**
 * The lead within `budget`: over it, whole `custom` fields are dropped, largest
 * first, until it fits. The named fields are capped by the lead schema, so only
 * `custom` can be large (a 1.4 MB form answer mapped into it). Dropping a field
 * whole, rather than cutting its text, never hands a CRM half a value.
 */
export function fitLead(lead: Lead, budget = leadBudgetBytes): { lead: Lead; dropped: { field: string; bytes: number }[] } {
  let over = bytesOver(lead, budget);
  if (over === 0) return { lead, dropped: [] };
  const custom = { ...lead.custom };
  const bySize = Object.entries(custom)
    .map(([field, value]) => ({ field, bytes: jsonBytes(value) }))
    .sort((a, b) => b.bytes - a.bytes);
  const dropped: { field: string; bytes: number }[] = [];
  for (const entry of bySize) {
    if (over <= 0) break;
    delete custom[entry.field];
    dropped.push(entry);
    // The value, its quoted name, the colon and a comma.
    over -= entry.bytes + jsonBytes(entry.field) + 2;
  }
  return { lead: { ...lead, custom }, dropped };
}

/** Steps kept per list when a trace is over its budget, tried in turn. */
const keepSteps = [1000, 100, 10, 0];

/**
 * The trace within `budget`: over it, its lists are cut (matched routes kept
 * first), and what was left out is counted in `trimmed`. A configuration with tens
 * of thousands of routes would otherwise write a trace per event that D1 refuses.
 */
export function fitTrace(trace: DecisionTrace, budget = traceBudgetBytes): DecisionTrace {
  if (bytesOver(trace, budget) === 0) return trace;
  let cut = trace;
  for (const keep of keepSteps) {
    const trimmed: TrimmedTrace = { ...trace.trimmed };
    const take = <T>(list: T[] | undefined, name: keyof Omit<TrimmedTrace, "custom">, pick: (list: T[]) => T[] = (l) => l.slice(0, keep)) => {
      if (!list || list.length <= keep) return list;
      const kept = pick(list);
      trimmed[name] = list.length - kept.length;
      return kept;
    };
    cut = {
      ...trace,
      mapping: { ...trace.mapping, warnings: take(trace.mapping.warnings, "warnings") ?? [] },
      routes: take(trace.routes, "routes", (routes) => matchedFirst(routes, keep)) ?? [],
      actions: take(trace.actions, "actions") ?? [],
      explain: take(trace.explain, "explain") ?? [],
      ...(trace.enrichments ? { enrichments: take(trace.enrichments, "enrichments") } : {}),
      ...(trace.experiments ? { experiments: take(trace.experiments, "experiments") } : {}),
      trimmed,
    };
    // The lead's note is the last explain line; a cut list must not lose it.
    if (trimmed.explain && trace.trimmed?.custom) cut.explain.push(describeDropped(trace.trimmed.custom));
    cut.explain.push(describeTrimmedLists(trimmed));
    if (bytesOver(cut, budget) === 0) return cut;
  }
  return cut;
}

/** Up to `keep` route steps, matched ones first, in their original order. */
function matchedFirst<T extends { status: string }>(routes: T[], keep: number): T[] {
  const matched = routes.filter((r) => r.status === "matched").length;
  let others = Math.max(0, keep - matched);
  let kept = 0;
  return routes.filter((r) => {
    if (kept >= keep) return false;
    const take = r.status === "matched" || others-- > 0;
    if (take) kept += 1;
    return take;
  });
}

function describeTrimmedLists(trimmed: TrimmedTrace): string {
  const parts = (["routes", "actions", "explain", "enrichments", "experiments", "warnings"] as const).flatMap((name) =>
    trimmed[name] ? [`${trimmed[name]} ${name === "explain" ? "explain lines" : name}`] : [],
  );
  return `trace trimmed to stay under its ${traceBudgetBytes / 1024} KiB budget: left out ${parts.join(", ")}`;
}

function describeDropped(dropped: { field: string; bytes: number }[]): string {
  const fields = dropped.map((d) => `custom.${d.field} (${d.bytes} bytes)`).join(", ");
  return `lead trimmed to stay under its ${leadBudgetBytes / 1024} KiB budget: dropped ${fields}`;
}

/**
 * A decision whose lead (stored with the event and with every delivery) and trace
 * fit their budgets. Routes were evaluated on the whole lead; what is stored and
 * sent is the trimmed one, and the trace says what was dropped.
 */
export function fitDecision(decision: Decision): Decision {
  if (decision.status === "invalid") return { ...decision, trace: fitTrace(decision.trace) };
  const fitted = fitLead(decision.lead);
  let trace = decision.trace;
  if (fitted.dropped.length > 0) {
    trace = { ...trace, explain: [...trace.explain, describeDropped(fitted.dropped)], trimmed: { ...trace.trimmed, custom: fitted.dropped } };
  }
  trace = fitTrace(trace);
  if (decision.status === "unmatched") return { ...decision, lead: fitted.lead, trace };
  const withLead = (planned: typeof decision.deliveries) => planned.map((p) => ({ ...p, delivery: { ...p.delivery, lead: fitted.lead } }));
  const hold = decision.hold && { ...decision.hold, deliveries: withLead(decision.hold.deliveries) };
  return { ...decision, lead: fitted.lead, deliveries: withLead(decision.deliveries), ...(hold ? { hold } : {}), trace };
}
