import type { AdminBindings } from "../../admin/env";
import { maskHeaders, parseJson, presentBody, presentSla } from "../../admin/present";
import { createDb } from "../../db/client";
import { eventDetail } from "../../db/event-queries";
import { GatewayError } from "../../errors";
import { asOutcomeTrace } from "../../outcomes/trace";
import { EventLink } from "../components/event-link";
import { Layout } from "../components/layout";
import { LeadFacts } from "../components/lead-facts";
import { OutcomeReports } from "../components/outcome-reports";
import { PostButton } from "../components/post-button";
import { StatusBadge } from "../components/status-badge";
import { asDecisionTrace, type DeliveryState, TraceStory } from "../components/trace-story";
import { href } from "../env";
import { cellText, dateTime, duration, prettyBody } from "../format";
import type { Session } from "../session";

/** One event as GET /admin/v1/events/{id} shows it: the same query and the same masking. */
export async function loadEvent(env: AdminBindings, id: string) {
  const found = await eventDetail(createDb(env.DB), env.BODIES, id);
  if (!found) throw new GatewayError("event_not_found", `There is no event '${id}'.`);
  const { event } = found;
  return {
    event,
    headers: maskHeaders(event.headers),
    body: presentBody(event.body),
    lead: parseJson(event.lead),
    trace: asDecisionTrace(parseJson(event.trace)),
    /** An outcome source's event stores the reports it linked instead of a decision. */
    outcomes: asOutcomeTrace(parseJson(event.trace)),
    verification: parseJson(event.verification),
    deliveries: found.deliveries,
    attempts: found.attempts,
    sla: presentSla(found.sla),
  };
}

export type EventData = Awaited<ReturnType<typeof loadEvent>>;

const inFlight = new Set(["queued", "delivering"]);
const notices: Record<string, string> = {
  replayed:
    "Replay queued: this is a new event with the original's headers and body, routed under the active configuration. The page updates until it settles.",
};

/** One event: what arrived, what it became, why it went where it went, and every delivery attempt. */
export function EventDetailPage({ data, session, notice }: { data: EventData; session: Session; notice?: string }) {
  const { event } = data;
  const email = typeof data.lead === "object" && data.lead !== null && "email" in data.lead ? cellText(data.lead.email) : undefined;
  const states = new Map<string, DeliveryState>(data.deliveries.map((d) => [d.id, { status: d.status, attempts: d.attempts }]));
  const noticeText = notice ? notices[notice] : undefined;
  const verification = typeof data.verification === "object" && data.verification !== null ? Object.entries(data.verification) : [];
  return (
    <Layout title={`Event ${event.id}`} session={session} active="events" refreshSeconds={inFlight.has(event.status) ? 3 : undefined}>
      {noticeText ? (
        <p class="notice" role="status">
          {noticeText}
        </p>
      ) : null}
      <h1>
        Event <span class="mono">{event.id}</span> <StatusBadge status={event.status} />
      </h1>
      <dl class="facts panel">
        <dt>Lead</dt>
        <dd>{email ?? "–"}</dd>
        <dt>Source</dt>
        <dd>{event.sourceId}</dd>
        <dt>Accepted</dt>
        <dd>{dateTime(event.receivedAt)}</dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={event.status} />
          {event.statusReason ? ` ${event.statusReason}` : ""}
        </dd>
        <dt>Route</dt>
        <dd>{event.routeId ?? "–"}</dd>
        <dt>Owner</dt>
        <dd>{event.ownerId ?? "–"}</dd>
        <dt>Decided</dt>
        <dd>{dateTime(event.decidedAt)}</dd>
        {event.replayOf ? (
          <>
            <dt>Replay of</dt>
            <dd>
              <EventLink id={event.replayOf} />
            </dd>
          </>
        ) : null}
        <dt>Request id</dt>
        <dd class="mono">{event.requestId ?? "–"}</dd>
      </dl>

      {session.role === "admin" ? (
        <div class="actions-row">
          {event.body !== null ? (
            <>
              <PostButton
                action={href(`/events/${encodeURIComponent(event.id)}/replay`)}
                csrf={session.csrf}
                label="Replay this event"
                describedBy="replay-hint"
              />
              <span class="hint" id="replay-hint">
                Routes a copy afresh under the active configuration: new decision, new deliveries.
              </span>
            </>
          ) : (
            <span class="hint">Retention has dropped the body: this event cannot be replayed.</span>
          )}
        </div>
      ) : null}

      {data.outcomes ? (
        <section class="card" aria-labelledby="trace-heading">
          <h2 id="trace-heading">What it reported, and which leads it credits</h2>
          <OutcomeReports trace={data.outcomes} />
          <details>
            <summary>The trace as stored (JSON)</summary>
            <pre>{JSON.stringify(data.outcomes, null, 2)}</pre>
          </details>
        </section>
      ) : (
        <section class="card" aria-labelledby="trace-heading">
          <h2 id="trace-heading">Why it went where it went</h2>
          {data.trace ? (
            <>
              <TraceStory trace={data.trace} deliveries={states} sla={data.sla} />
              <details>
                <summary>The trace as stored (JSON)</summary>
                <pre>{JSON.stringify(data.trace, null, 2)}</pre>
              </details>
            </>
          ) : (
            <p>{event.status === "queued" ? "Not routed yet: waiting for the routing queue." : "No decision trace is stored for this event."}</p>
          )}
        </section>
      )}

      <section class="card" aria-labelledby="deliveries-heading">
        <h2 id="deliveries-heading">Deliveries and attempts</h2>
        {data.deliveries.length === 0 ? (
          <p>No deliveries.</p>
        ) : (
          <div class="table-wrap">
            <table class="stack">
              <caption>Deliveries</caption>
              <thead>
                <tr>
                  <th scope="col">Delivery</th>
                  <th scope="col">Action</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">
                    Attempts
                  </th>
                  <th scope="col">Last error</th>
                  <th scope="col">Next attempt</th>
                </tr>
              </thead>
              <tbody>
                {data.deliveries.map((d) => (
                  <tr class={d.status === "dead" ? "dead" : undefined}>
                    <td data-label="Delivery" class="mono id">
                      {d.id}
                    </td>
                    <td data-label="Action">
                      {d.action} → {d.destinationId}
                    </td>
                    <td data-label="Status">
                      <StatusBadge status={d.status} />
                    </td>
                    <td data-label="Attempts" class="num">
                      {d.attempts}
                    </td>
                    <td data-label="Last error">{d.lastError ?? "–"}</td>
                    <td data-label="Next attempt">{d.status === "pending" ? dateTime(d.nextAttemptAt) : "–"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {data.attempts.length > 0 ? (
          <div class="table-wrap">
            <table class="stack">
              <caption>Every attempt, oldest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Destination</th>
                  <th scope="col" class="num">
                    #
                  </th>
                  <th scope="col">Outcome</th>
                  <th scope="col" class="num">
                    HTTP
                  </th>
                  <th scope="col" class="num">
                    Latency
                  </th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {data.attempts.map((a) => (
                  <tr>
                    <td data-label="When">{dateTime(a.at)}</td>
                    <td data-label="Destination">{a.destinationId}</td>
                    <td data-label="#" class="num">
                      {a.attempt}
                    </td>
                    <td data-label="Outcome">
                      <StatusBadge status={a.outcome} />
                    </td>
                    <td data-label="HTTP" class="num">
                      {a.httpStatus ?? "–"}
                    </td>
                    <td data-label="Latency" class="num">
                      {duration(a.latencyMs)}
                    </td>
                    <td data-label="Detail" class="id">
                      {a.error ?? a.excerpt ?? "–"}
                      {a.retryAt ? ` (retry at ${dateTime(a.retryAt)})` : ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p>No attempts yet.</p>
        )}
      </section>

      <section class="card" aria-labelledby="lead-heading">
        <h2 id="lead-heading">Mapped lead</h2>
        <LeadFacts lead={data.lead} />
      </section>

      <section class="card" aria-labelledby="payload-heading">
        <h2 id="payload-heading">Payload</h2>
        <p class="hint">
          {event.contentType ?? "no content type"}, {event.bodySize} bytes{event.bodyRef !== null && data.body.body !== null ? ", kept in R2" : ""}
          {data.body.bodyEncoding === "base64" ? ", not UTF-8: shown as base64" : ""}.
        </p>
        {data.body.body === null ? (
          <p>Retention has dropped the body.</p>
        ) : (
          <pre tabindex={0} role="region" aria-label="Payload">
            {data.body.bodyEncoding === "utf-8" ? prettyBody(data.body.body) : data.body.body}
          </pre>
        )}
        <h3>Headers (credentials masked)</h3>
        <dl class="facts">
          {Object.entries(data.headers).map(([name, value]) => (
            <>
              <dt class="mono">{name}</dt>
              <dd class="mono">{value}</dd>
            </>
          ))}
        </dl>
        <h3>Verification</h3>
        <dl class="facts">
          {verification.map(([name, value]) => (
            <>
              <dt>{name}</dt>
              <dd>{cellText(value)}</dd>
            </>
          ))}
        </dl>
      </section>
    </Layout>
  );
}
