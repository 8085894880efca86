import { type MetricCounts, pendingByDestination, webhookToCrmBucketsMs } from "../db/metric-counts";
import { destinationStates } from "../delivery/destination-state";
import type { DestinationStateSource } from "./destination-state";
import type { Family, Sample } from "./exposition";

/**
 * The gateway's Prometheus metrics. Names and labels are a contract (dashboards and
 * alert rules in docs/monitoring.md, and whatever operators built on them): add,
 * never rename.
 */

function sorted<T>(items: Iterable<T>, key: (item: T) => string): T[] {
  return [...items].sort((x, y) => key(x).localeCompare(key(y)));
}

function counterFamily(counts: MetricCounts, metric: "events" | "deliveries", name: string, help: string, labels: [string, string]): Family {
  const rows = sorted(
    counts.rows.filter((row) => row.metric === metric),
    (row) => `${row.a}\u0000${row.b}`,
  );
  return { name, help, type: "counter", samples: rows.map((row) => ({ labels: { [labels[0]]: row.a, [labels[1]]: row.b }, value: row.value })) };
}

/** Cumulative buckets from the per-bucket rows; every bound is listed, empty ones too. */
function webhookToCrmFamily(counts: MetricCounts): Family {
  const perBucket = new Map<string, { value: number; total: number }>();
  for (const row of counts.rows) if (row.metric === "webhook_to_crm_ms") perBucket.set(row.a, row);
  let cumulative = 0;
  let sumMs = 0;
  const samples: Sample[] = [];
  for (const bound of [...webhookToCrmBucketsMs.map(String), "+Inf"]) {
    const bucket = perBucket.get(bound);
    cumulative += bucket?.value ?? 0;
    sumMs += bucket?.total ?? 0;
    samples.push({ suffix: "_bucket", labels: { le: bound === "+Inf" ? "+Inf" : String(Number(bound) / 1000) }, value: cumulative });
  }
  samples.push({ suffix: "_sum", value: sumMs / 1000 }, { suffix: "_count", value: cumulative });
  return {
    name: "switchboard_webhook_to_crm_seconds",
    help: "Webhook arrival to the CRM's answer, for each CRM upsert that succeeded.",
    type: "histogram",
    samples,
  };
}

export interface MetricsInput {
  counts: MetricCounts;
  /** The configured destinations: listed even before their first delivery. */
  destinationIds: readonly string[];
  stateOf: DestinationStateSource;
  nowMs: number;
}

export async function gatewayMetrics({ counts, destinationIds, stateOf, nowMs }: MetricsInput): Promise<Family[]> {
  const pending = pendingByDestination(counts.rows);
  const destinations = sorted(new Set([...destinationIds, ...pending.keys()]), (id) => id);
  const states = await stateOf(destinations);
  const families: Family[] = [
    counterFamily(counts, "events", "switchboard_events_total", "Events that entered each status, per source (accepted events enter `queued`).", [
      "source",
      "status",
    ]),
    counterFamily(
      counts,
      "deliveries",
      "switchboard_deliveries_total",
      "Deliveries that entered each status, per destination (created deliveries enter `pending`).",
      ["destination", "status"],
    ),
    {
      name: "switchboard_deliveries_pending",
      help: "Deliveries waiting for their next attempt, per destination.",
      type: "gauge",
      samples: destinations.map((id) => ({ labels: { destination: id }, value: Math.max(0, pending.get(id) ?? 0) })),
    },
    {
      name: "switchboard_oldest_pending_seconds",
      help: "Age of the destination's oldest pending delivery; 0 when none waits.",
      type: "gauge",
      samples: destinations.map((id) => {
        const oldest = counts.oldestPendingMs.get(id);
        return { labels: { destination: id }, value: oldest === undefined ? 0 : Math.max(0, (nowMs - oldest) / 1000) };
      }),
    },
    {
      name: "switchboard_destination_state",
      help: "1 for the destination's current state (active, paused, open, half_open), 0 for the others.",
      type: "gauge",
      samples: destinations.flatMap((id) => {
        const current = states.get(id) ?? "active";
        return destinationStates.map((state) => ({ labels: { destination: id, state }, value: state === current ? 1 : 0 }));
      }),
    },
    webhookToCrmFamily(counts),
  ];
  if (counts.sizeBytes !== undefined) {
    families.push({
      name: "switchboard_d1_size_bytes",
      help: "Size of the D1 database (D1 caps it at 10 GB).",
      type: "gauge",
      samples: [{ value: counts.sizeBytes }],
    });
  }
  families.push({
    name: "switchboard_metrics_rows_read",
    help: "Rows D1 read to answer this scrape.",
    type: "gauge",
    samples: [{ value: counts.rowsRead }],
  });
  return families;
}
