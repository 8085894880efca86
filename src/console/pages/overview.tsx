import type { AdminBindings } from "../../admin/env";
import type { GatewayConfig, SourceConfig } from "../../config/schema";
import { readCurrentConfig } from "../../config/store";
import { createDb } from "../../db/client";
import { deadDeliveries, deadRoutings, eventStats, eventsPerBucket } from "../../db/event-stats";
import { inboxNamesOf } from "../../ingest/shard";
import { errorMessage } from "../../lib/log";
import { EventLink } from "../components/event-link";
import { EventsChart } from "../components/events-chart";
import { Layout } from "../components/layout";
import { PostButton } from "../components/post-button";
import { href } from "../env";
import { dateTime, destinationTypeName, duration, percent, plural } from "../format";
import type { Session } from "../session";

/** The windows the overview offers, in hours, and the bar width of each. */
export const overviewWindows: Record<string, { hours: number; bucketMs: number }> = {
  "1": { hours: 1, bucketMs: 60_000 },
  "3": { hours: 3, bucketMs: 60_000 },
  "6": { hours: 6, bucketMs: 2 * 60_000 },
  "24": { hours: 24, bucketMs: 10 * 60_000 },
};
export const defaultWindow = "3";

interface DeadLetter {
  kind: "delivery" | "routing";
  eventId: string;
  sourceId: string;
  destinationId?: string;
  action?: string;
  attempts?: number;
  /** A delivery's: `failed` (refused for good) or `dead` (out of attempts). */
  status?: string;
  reason: string | null;
  at: number;
}

export interface RejectionCount {
  sourceId: string;
  total: number;
  byCode: Record<string, number>;
}

/**
 * Requests refused with 401 since `sinceMs`, per source: each source's (first) inbox
 * counts them per minute, as the verification-failure alert reads them
 * (src/monitoring/alert-rules.ts). Sources without any are left out.
 */
async function verificationFailures(env: AdminBindings, sources: readonly SourceConfig[], sinceMs: number): Promise<RejectionCount[]> {
  const counted = await Promise.all(
    sources.map(async (source) => {
      const byCode = await env.SOURCE_INBOX.getByName(inboxNamesOf(source)[0] ?? source.id).rejectionsSince(sinceMs);
      return { sourceId: source.id, total: Object.values(byCode).reduce((sum, n) => sum + n, 0), byCode };
    }),
  );
  return counted.filter((c) => c.total > 0).sort((a, b) => b.total - a.total);
}

/** Everything the overview shows, from the same queries as GET /admin/v1/stats and /dead-letters. */
export async function loadOverview(env: AdminBindings, windowKey: string, nowMs = Date.now()) {
  const window = overviewWindows[windowKey] ?? overviewWindows[defaultWindow] ?? { hours: 3, bucketMs: 60_000 };
  const db = createDb(env.DB);
  const until = nowMs;
  const since = until - window.hours * 3_600_000;
  const [stats, buckets, deliveries, routings, config] = await Promise.all([
    eventStats(db, since, until),
    eventsPerBucket(db, since, until, window.bucketMs),
    deadDeliveries(db, {}, { limit: 10 }),
    deadRoutings(db, {}, { limit: 5 }),
    readCurrentConfig(env).then(
      (stored): { document?: GatewayConfig; error?: string } => ({ document: stored?.document }),
      (error: unknown): { document?: GatewayConfig; error?: string } => ({ error: errorMessage(error) }),
    ),
  ]);
  const deadLetters: DeadLetter[] = [
    ...deliveries.map((d) => ({ kind: "delivery" as const, ...d })),
    ...routings.map((e) => ({ kind: "routing" as const, ...e })),
  ].sort((a, b) => b.at - a.at);
  const rejections = await verificationFailures(env, config.document?.sources ?? [], since).then(
    (bySource): { bySource: RejectionCount[]; error?: string } => ({ bySource }),
    (error: unknown) => ({ bySource: [], error: errorMessage(error) }),
  );
  return {
    rejections,
    windowKey: overviewWindows[windowKey] ? windowKey : defaultWindow,
    since,
    until,
    bucketMs: window.bucketMs,
    stats,
    buckets,
    deadLetters,
    config,
  };
}

export type OverviewData = Awaited<ReturnType<typeof loadOverview>>;

type Health = "healthy" | "degraded" | "failing" | "idle";
const healthClass: Record<Health, string> = { healthy: "s-routed", degraded: "s-partially_failed", failing: "s-dead", idle: "s-queued" };

function healthOf(d: { attempts: number; succeeded: number; retryable: number; failed: number }): Health {
  if (d.attempts === 0) return "idle";
  if (d.retryable + d.failed === 0) return "healthy";
  return d.succeeded === 0 ? "failing" : "degraded";
}

/** The landing page: the last hours at a glance, problems first. */
export function OverviewPage({ data, session }: { data: OverviewData; session: Session }) {
  const { stats } = data;
  const byStatus = stats.events.byStatus;
  const dead = stats.deadLetters.deliveries + stats.deadLetters.events;
  const invalid = byStatus.invalid ?? 0;
  const verificationTotal = data.rejections.bySource.reduce((sum, r) => sum + r.total, 0);
  const types = new Map((data.config.document?.destinations ?? []).map((d) => [d.id, d.type]));
  const destinationIds = [...new Set([...types.keys(), ...Object.keys(stats.destinations)])].sort();
  const hours = overviewWindows[data.windowKey]?.hours ?? 3;
  return (
    <Layout title="Overview" session={session} active="overview" refreshSeconds={30}>
      <h1>Overview: the last {hours === 1 ? "hour" : `${hours} hours`}</h1>
      <nav aria-label="Time window">
        <ul class="windows">
          {Object.entries(overviewWindows).map(([key, w]) => (
            <li>
              <a href={href("", { hours: key })} aria-current={key === data.windowKey ? "page" : undefined}>
                {w.hours} h
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {data.config.error ? (
        <p class="error" role="alert">
          The configuration could not be read: {data.config.error}
        </p>
      ) : null}

      <dl class="cards" aria-label="Figures for this window">
        <div>
          <dt>Events accepted</dt>
          <dd>{stats.events.total}</dd>
        </div>
        <div>
          <dt>Routed</dt>
          <dd>
            {byStatus.routed ?? 0}
            <small>{percent(byStatus.routed ?? 0, stats.events.total)} of accepted</small>
          </dd>
        </div>
        <div class={dead > 0 ? "alert" : undefined}>
          <dt>Dead letters</dt>
          <dd>
            {dead}
            <small>
              {plural(stats.deadLetters.deliveries, "delivery", "deliveries")}, {plural(stats.deadLetters.events, "event")} ·{" "}
              <a href={href("/events", { status: "dead" })}>see them</a>
            </small>
          </dd>
        </div>
        <div class={invalid > 0 ? "warn" : undefined}>
          <dt>Invalid payloads</dt>
          <dd>
            {invalid}
            <small>
              <a href={href("/events", { status: "invalid" })}>see them</a>
            </small>
          </dd>
        </div>
        <div class={verificationTotal > 0 ? "alert" : undefined}>
          <dt>Verification failures</dt>
          <dd>
            {data.rejections.error ? "?" : verificationTotal}
            <small>
              {data.rejections.error
                ? `could not be counted: ${data.rejections.error}`
                : verificationTotal > 0
                  ? data.rejections.bySource
                      .map(
                        (r) =>
                          `${r.sourceId}: ${Object.entries(r.byCode)
                            .map(([code, n]) => `${n} ${code.replaceAll("_", " ")}`)
                            .join(", ")}`,
                      )
                      .join("; ")
                  : "requests refused with 401"}
            </small>
          </dd>
        </div>
        <div>
          <dt>Delivery latency p50 / p99</dt>
          <dd>
            {duration(stats.latency.attemptMs.p50)} / {duration(stats.latency.attemptMs.p99)}
            <small>one call; {stats.latency.attemptMs.samples} samples</small>
          </dd>
        </div>
        <div>
          <dt>Webhook to CRM p50 / p99</dt>
          <dd>
            {duration(stats.latency.endToEndMs.p50)} / {duration(stats.latency.endToEndMs.p99)}
            <small>arrival to successful call</small>
          </dd>
        </div>
        <div>
          <dt>Deliveries pending</dt>
          <dd>{stats.pendingDeliveries}</dd>
        </div>
      </dl>

      <section class="card">
        <EventsChart buckets={data.buckets} since={data.since} until={data.until} bucketMs={data.bucketMs} />
      </section>

      <section class="card" aria-labelledby="dead-heading">
        <h2 id="dead-heading">Recent dead letters</h2>
        <p>
          <a href={href("/retry")}>Retry matching deliveries…</a>
        </p>
        {data.deadLetters.length === 0 ? (
          <p>None. Every delivery either succeeded or is still being retried.</p>
        ) : (
          <div class="table-wrap">
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Event</th>
                  <th scope="col">Source</th>
                  <th scope="col">Destination</th>
                  <th scope="col">Why</th>
                  {session.role === "admin" ? <th scope="col">Replay</th> : null}
                </tr>
              </thead>
              <tbody>
                {data.deadLetters.map((d) => (
                  <tr class="dead">
                    <td data-label="When">{dateTime(d.at)}</td>
                    <td data-label="Event">
                      <EventLink id={d.eventId} />
                    </td>
                    <td data-label="Source">{d.sourceId}</td>
                    <td data-label="Destination">
                      {d.kind === "delivery"
                        ? `${d.action ?? ""} → ${d.destinationId ?? ""} ${d.status === "failed" ? "refused" : "dead"} after ${d.attempts ?? 0} attempt${d.attempts === 1 ? "" : "s"}`
                        : "routing itself"}
                    </td>
                    <td data-label="Why">{d.reason ?? "–"}</td>
                    {session.role === "admin" ? (
                      <td data-label="Replay">
                        <PostButton action={href(`/events/${encodeURIComponent(d.eventId)}/replay`)} csrf={session.csrf} label="Replay" variant="secondary" />
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section class="card" aria-labelledby="destinations-heading">
        <h2 id="destinations-heading">Destination health</h2>
        {destinationIds.length === 0 ? (
          <p>No destinations are configured.</p>
        ) : (
          <div class="table-wrap">
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">Destination</th>
                  <th scope="col">Health</th>
                  <th scope="col" class="num">
                    Attempts
                  </th>
                  <th scope="col" class="num">
                    Succeeded
                  </th>
                  <th scope="col" class="num">
                    Retried
                  </th>
                  <th scope="col" class="num">
                    Failed
                  </th>
                  <th scope="col" class="num">
                    p50
                  </th>
                  <th scope="col" class="num">
                    p99
                  </th>
                </tr>
              </thead>
              <tbody>
                {destinationIds.map((id) => {
                  const d = stats.destinations[id] ?? { attempts: 0, succeeded: 0, retryable: 0, failed: 0 };
                  const health = healthOf(d);
                  const type = types.get(id);
                  return (
                    <tr>
                      <td data-label="Destination">
                        {id}
                        {type ? <span class="hint"> ({destinationTypeName(type)})</span> : <span class="hint"> (no longer configured)</span>}
                      </td>
                      <td data-label="Health">
                        <span class={`badge ${healthClass[health]}`}>{health}</span>
                      </td>
                      <td data-label="Attempts" class="num">
                        {d.attempts}
                      </td>
                      <td data-label="Succeeded" class="num">
                        {d.succeeded} <span class="hint">({percent(d.succeeded, d.attempts)})</span>
                      </td>
                      <td data-label="Retried" class="num">
                        {d.retryable}
                      </td>
                      <td data-label="Failed" class="num">
                        {d.failed}
                      </td>
                      <td data-label="p50" class="num">
                        {duration(d.latencyMs?.p50)}
                      </td>
                      <td data-label="p99" class="num">
                        {duration(d.latencyMs?.p99)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        <p class="hint">Attempts in this window. Retried: the call failed in a way worth retrying (network, 408, 429, 5xx).</p>
      </section>
    </Layout>
  );
}
