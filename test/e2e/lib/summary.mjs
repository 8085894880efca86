// The run in a few tables: what was sent and what came back, what the retries cost,
// where the leads ended up, and what each destination saw. Figures only; verdicts are
// the checks' job.
import { formatTable } from "../../../scripts/lib/table.mjs";

export const seconds = (ms) => (ms === undefined ? "—" : `${(ms / 1000).toFixed(1)} s`);

function tally(values) {
  const counts = new Map();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([value, n]) => `${value} ×${n}`)
    .join(", ");
}

/** Request kinds: how many, their final answers, and what the retries met on the way. */
export function answersTable(requests, outcomes) {
  const kinds = new Map();
  for (const request of requests) {
    const list = kinds.get(request.kind) ?? [];
    list.push(outcomes.get(request.key));
    kinds.set(request.kind, list);
  }
  const rows = [...kinds].map(([kind, list]) => {
    const done = list.filter(Boolean);
    return {
      kind,
      sent: list.length,
      expected: `${requests.find((r) => r.kind === kind).expect.status}`,
      answers: tally(done.map((o) => (o.status === undefined ? `no answer (${o.error})` : `${o.status}${o.json?.status === "duplicate" ? " dup" : ""}`))),
      r429: done.reduce((n, o) => n + o.attempts.filter((a) => a.status === 429).length, 0),
      down: done.reduce((n, o) => n + o.attempts.filter((a) => a.error !== undefined || (a.status ?? 0) >= 500).length, 0),
      retried: done.filter((o) => o.attempts.length > 1).length,
    };
  });
  return formatTable(
    [
      { key: "kind", title: "request kind" },
      { key: "sent", title: "sent", align: "right" },
      { key: "expected", title: "expect", align: "right" },
      { key: "answers", title: "final answers", max: 48 },
      { key: "r429", title: "429s met", align: "right" },
      { key: "down", title: "refused/5xx met", align: "right" },
      { key: "retried", title: "retried", align: "right" },
    ],
    rows,
  );
}

export function destinationsTable(rows) {
  return formatTable(
    [
      { key: "destination", title: "destination" },
      { key: "attempts", title: "attempts", align: "right" },
      { key: "succeeded", title: "succeeded", align: "right" },
      { key: "retryable", title: "retryable", align: "right" },
      { key: "failed", title: "failed", align: "right" },
      { key: "held", title: "fake holds", align: "right" },
      { key: "faulted", title: "fake faulted", align: "right" },
    ],
    rows,
  );
}

export function figuresTable(figures) {
  return formatTable(
    [
      { key: "what", title: "figure" },
      { key: "value", title: "value", align: "right" },
    ],
    Object.entries(figures).map(([what, value]) => ({ what, value })),
  );
}
