import type { AdminBindings } from "../../admin/env";
import { listOwnerStatuses } from "../../admin/routes/owners";
import type { PoolStats } from "../../assign/owner-pool";
import type { OwnerStatus } from "../../assign/owners";
import { describeSummary } from "../../config/diff";
import { configSchema, type GatewayConfig } from "../../config/schema";
import { maskDocument } from "../../config/secret-fields";
import { listConfigVersions, readCurrentConfig, type VersionInfo } from "../../config/store";
import { connectorOf } from "../../connectors/registry";
import { destinationStatuses } from "../../delivery/destination-control";
import type { DestinationStatus } from "../../delivery/destination-state";
import { errorMessage } from "../../lib/log";
import { Layout } from "../components/layout";
import { PostButton } from "../components/post-button";
import { href } from "../env";
import { actionText, conditionText, dateTime, destinationTypeName } from "../format";
import type { Session } from "../session";

/** The active configuration (secrets masked), today's pool counts and the latest versions. */
export async function loadRouting(env: AdminBindings) {
  const [current, listed] = await Promise.all([readCurrentConfig(env), listConfigVersions(env, { limit: 25 })]);
  const document = maskDocument(current?.document ?? configSchema.parse({}));
  const pools = await Promise.all(
    document.pools.map(async (pool) => {
      try {
        // stats() only reads the pool's storage.
        const stats: PoolStats = await env.OWNER_POOL.getByName(pool.id).stats();
        return { pool, stats };
      } catch (error) {
        return { pool, error: errorMessage(error) };
      }
    }),
  );
  const [owners, states] = await Promise.all([
    listOwnerStatuses(env),
    destinationStatuses(
      env,
      document.destinations.map((d) => d.id),
    ).catch((error: unknown) => errorMessage(error)),
  ]);
  return {
    version: current?.version ?? 0,
    updatedAt: current?.updatedAt,
    document,
    pools,
    owners,
    states,
    versions: listed.versions,
    more: Boolean(listed.cursor),
  };
}

export type RoutingData = Awaited<ReturnType<typeof loadRouting>>;

function routesFor(document: GatewayConfig, sourceId: string): string[] {
  return document.routes.filter((r) => !r.sources || r.sources.includes(sourceId)).map((r) => r.id);
}

const notices: Record<string, (subject?: string) => string> = {
  rolledback: (version) => `Rolled back: the configuration of version ${version ?? "?"} is active again, stored as a new version.`,
  away: (owner) => `Owner ${owner ?? "?"} is set away: pools skip them from now on, no new configuration version needed.`,
  back: (owner) => `Owner ${owner ?? "?"} is back: their runtime time away has ended.`,
  paused: (destination) => `Destination ${destination ?? "?"} is paused: its deliveries are held, no attempt counted, until you resume it.`,
  resumed: (destination) => `Destination ${destination ?? "?"} is resumed: held deliveries go out oldest first at its rate.`,
};

const stateText: Record<DestinationStatus["state"], string> = {
  active: "active",
  paused: "paused",
  open: "breaker open",
  half_open: "probing",
};
const stateClass: Record<DestinationStatus["state"], string> = { active: "s-routed", paused: "s-queued", open: "s-dead", half_open: "s-partially_failed" };

/** A destination's state, held count and its Pause or Resume button (admins only). */
function DestinationControl({ id, status, session }: { id: string; status: DestinationStatus | undefined; session: Session }) {
  if (!status) return <span class="hint">unknown</span>;
  const action = status.state === "paused" ? "resume" : "pause";
  return (
    <>
      <span class={`badge ${stateClass[status.state]}`}>{stateText[status.state]}</span>
      {status.held > 0 ? <span class="hint"> ({status.held} held)</span> : null}{" "}
      {session.role === "admin" ? (
        <PostButton
          action={href(`/destinations/${encodeURIComponent(id)}/${action}`)}
          csrf={session.csrf}
          label={action === "pause" ? "Pause" : "Resume"}
          variant="secondary"
        />
      ) : null}
    </>
  );
}

/** Sources → routes → actions as a flow, owners now, owner pools with today's counts, and the history with rollback. */
export function RoutingPage({ data, session, notice, noticeSubject }: { data: RoutingData; session: Session; notice?: string; noticeSubject?: string }) {
  const { document } = data;
  const types = new Map(document.destinations.map((d) => [d.id, d.type]));
  const noticeText = notice ? notices[notice]?.(noticeSubject) : undefined;
  return (
    <Layout title="Routing" session={session} active="routing">
      {noticeText ? (
        <p class="notice" role="status">
          {noticeText}
        </p>
      ) : null}
      <h1>Routing</h1>
      <p>
        Configuration version <strong>{data.version}</strong>
        {data.updatedAt ? `, active since ${dateTime(Date.parse(data.updatedAt))}` : ""}. Routes are tried in order and the first match wins (unless a route
        says continue).
      </p>

      <section class="card" aria-labelledby="flow-heading">
        <h2 id="flow-heading">Flow: sources → routes → actions</h2>
        {document.routes.length === 0 ? (
          <p>No routes are configured: every lead would be unmatched.</p>
        ) : (
          <ol class="flow plain" aria-label="Routes in the order they are tried">
            <li class="flow-row flow-head" aria-hidden="true">
              <span>From</span>
              <span></span>
              <span>Route and condition</span>
              <span></span>
              <span>Then</span>
            </li>
            {document.routes.map((route, i) => (
              <li class="flow-row">
                <div class="box">
                  <span class="sr-only">From: </span>
                  {route.sources ? (
                    <ul>
                      {route.sources.map((s) => (
                        <li>{s}</li>
                      ))}
                    </ul>
                  ) : (
                    "every source"
                  )}
                </div>
                <span class="arrow" aria-hidden="true">
                  →
                </span>
                <div class="box">
                  <h3>
                    {i + 1}. {route.id}
                  </h3>
                  <p>
                    <span class="hint">when </span>
                    <span class="mono">{conditionText(route.when)}</span>
                  </p>
                  {route.continue ? <p class="hint">continue: later routes are tried too</p> : null}
                </div>
                <span class="arrow" aria-hidden="true">
                  →
                </span>
                <div class="box">
                  <span class="sr-only">Then: </span>
                  {route.actions.length === 0 ? (
                    "nothing"
                  ) : (
                    <ul>
                      {route.actions.map((action) => (
                        <li>{actionText(action, types)}</li>
                      ))}
                    </ul>
                  )}
                </div>
              </li>
            ))}
          </ol>
        )}
      </section>

      <section class="card" aria-labelledby="sources-heading">
        <h2 id="sources-heading">Sources</h2>
        {document.sources.length === 0 ? (
          <p>No sources are configured.</p>
        ) : (
          <div class="table-wrap">
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">Source</th>
                  <th scope="col">Provider</th>
                  <th scope="col">Enabled</th>
                  <th scope="col">Rate</th>
                  <th scope="col">Routes tried, in order</th>
                </tr>
              </thead>
              <tbody>
                {document.sources.map((s) => (
                  <tr>
                    <td data-label="Source" class="mono">
                      /in/{s.id}
                    </td>
                    <td data-label="Provider">{s.provider}</td>
                    <td data-label="Enabled">{s.enabled ? "yes" : "no (answers 404)"}</td>
                    <td data-label="Rate">
                      {s.rate.perSecond}/s, burst {s.rate.burst}
                    </td>
                    <td data-label="Routes">{routesFor(document, s.id).join(" → ") || "none"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section class="card" aria-labelledby="owners-heading">
        <h2 id="owners-heading">Owners now</h2>
        {data.owners.length === 0 ? (
          <p>No owners are configured or named by a pool.</p>
        ) : (
          <div class="table-wrap">
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">Owner</th>
                  <th scope="col">Local time</th>
                  <th scope="col">Can take leads now</th>
                  <th scope="col">Pools</th>
                  {session.role === "admin" ? <th scope="col">Time away</th> : null}
                </tr>
              </thead>
              <tbody>
                {data.owners.map((owner) => (
                  <OwnerRow owner={owner} session={session} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        <p class="hint">
          Pools with <code>"availability": "working_hours"</code> skip owners who are away or outside their working hours; other pools skip only owners who are
          away. Setting an owner away here takes effect at once, without a new configuration version.
        </p>
      </section>

      <section class="card" aria-labelledby="pools-heading">
        <h2 id="pools-heading">Owner pools today</h2>
        {data.pools.length === 0 ? <p>No owner pools are configured.</p> : null}
        {data.pools.map(({ pool, stats, error }) => (
          <div>
            <h3>
              {pool.id}{" "}
              <span class="hint">
                ({pool.strategy === "round_robin" ? "weighted round robin" : "load balanced"}
                {pool.fallbackOwnerId ? `, fallback ${pool.fallbackOwnerId}` : ""})
              </span>
            </h3>
            {error ? <p class="error">Today's counts could not be read: {error}</p> : null}
            <div class="table-wrap">
              <table class="stack">
                <caption>{stats ? `Leads assigned on ${stats.day} (UTC)` : "Members"}</caption>
                <thead>
                  <tr>
                    <th scope="col">Owner</th>
                    <th scope="col" class="num">
                      Weight
                    </th>
                    <th scope="col" class="num">
                      Today
                    </th>
                    <th scope="col" class="num">
                      Daily cap
                    </th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {pool.members.map((m) => {
                    const count = stats?.counts[m.ownerId] ?? 0;
                    const capped = m.dailyCap !== undefined && count >= m.dailyCap;
                    return (
                      <tr>
                        <td data-label="Owner">
                          {m.name ? `${m.name} ` : ""}
                          <span class="mono">{m.ownerId}</span>
                        </td>
                        <td data-label="Weight" class="num">
                          {m.weight}
                        </td>
                        <td data-label="Today" class="num">
                          {stats ? count : "?"}
                        </td>
                        <td data-label="Daily cap" class="num">
                          {m.dailyCap !== undefined ? (
                            <>
                              {m.dailyCap}{" "}
                              <meter min={0} max={m.dailyCap} value={count} aria-label={`${count} of ${m.dailyCap}`}>
                                {count} of {m.dailyCap}
                              </meter>
                            </>
                          ) : (
                            "none"
                          )}
                        </td>
                        <td data-label="State">{m.paused ? "paused" : capped ? "capped for today" : "taking leads"}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </div>
        ))}
      </section>

      <section class="card" aria-labelledby="destinations-heading">
        <h2 id="destinations-heading">Destinations</h2>
        {document.destinations.length === 0 ? (
          <p>No destinations are configured.</p>
        ) : (
          <div class="table-wrap">
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">Destination</th>
                  <th scope="col">Type</th>
                  <th scope="col">Target (secrets masked)</th>
                  <th scope="col" class="num">
                    Attempts
                  </th>
                  <th scope="col" class="num">
                    Timeout
                  </th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {document.destinations.map((d) => (
                  <tr>
                    <td data-label="Destination">{d.id}</td>
                    <td data-label="Type">{destinationTypeName(d.type)}</td>
                    <td data-label="Target" class="mono id">
                      {connectorOf(d).target(d)}
                    </td>
                    <td data-label="Attempts" class="num">
                      {d.maxAttempts}
                    </td>
                    <td data-label="Timeout" class="num">
                      {d.timeoutMs / 1000} s
                    </td>
                    <td data-label="State">
                      {typeof data.states === "string" ? (
                        <span class="hint">not readable</span>
                      ) : (
                        <DestinationControl id={d.id} status={data.states.get(d.id)} session={session} />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section class="card" aria-labelledby="versions-heading">
        <h2 id="versions-heading">Configuration versions</h2>
        {data.versions.length === 0 ? (
          <p>No version stored yet.</p>
        ) : (
          <div class="table-wrap">
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">When</th>
                  <th scope="col">By</th>
                  <th scope="col">What changed</th>
                  {session.role === "admin" ? <th scope="col">Rollback</th> : null}
                </tr>
              </thead>
              <tbody>
                {data.versions.map((v) => (
                  <VersionRow v={v} active={data.version} session={session} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {data.more ? <p class="hint">Older versions: GET /admin/v1/config/versions.</p> : null}
      </section>
    </Layout>
  );
}

function VersionRow({ v, active, session }: { v: VersionInfo; active: number; session: Session }) {
  const changes = v.summary ? describeSummary(v.summary).split("\n") : ["–"];
  return (
    <tr>
      <td data-label="Version">
        <a href={href(`/routing/versions/${v.version}`)} aria-label={`Version ${v.version}: changes`}>
          {v.version}
        </a>
        {v.version === active ? <span class="badge s-routed">active</span> : null}
      </td>
      <td data-label="When">{dateTime(Date.parse(v.updatedAt))}</td>
      <td data-label="By">{v.updatedBy}</td>
      <td data-label="What changed">
        {v.rollbackOf !== undefined ? <span>rollback to version {v.rollbackOf}; </span> : null}
        <span class="mono">{changes.join("; ")}</span>
      </td>
      {session.role === "admin" ? (
        <td data-label="Rollback">
          {v.version === active ? (
            "–"
          ) : (
            <PostButton
              action={href("/routing/rollback")}
              csrf={session.csrf}
              label={`Roll back to ${v.version}`}
              variant="secondary"
              fields={{ version: String(v.version), expected: String(active) }}
            />
          )}
        </td>
      ) : null}
    </tr>
  );
}

function availabilityText(owner: OwnerStatus): string {
  if (owner.away) return `no: ${owner.reason ?? "away"}`;
  if (!owner.working) return `outside working hours (${owner.reason ?? "off hours"}): only pools that ignore hours give them leads`;
  return "yes";
}

/** One owner: local clock, whether they can take leads, and (admins) the time-away form or the button that ends it. */
function OwnerRow({ owner, session }: { owner: OwnerStatus; session: Session }) {
  const formId = `away-${owner.id}`;
  return (
    <tr>
      <td data-label="Owner">
        {owner.name ? `${owner.name} ` : ""}
        <span class="mono">{owner.id}</span>
      </td>
      <td data-label="Local time">
        {owner.localTime} <span class="hint">{owner.timeZone}</span>
      </td>
      <td data-label="Can take leads now">
        <span class={`badge ${owner.away ? "s-dead" : owner.working ? "s-routed" : "s-queued"}`}>
          {owner.away ? "away" : owner.working ? "available" : "off hours"}
        </span>{" "}
        {availabilityText(owner)}
        {owner.runtimeAway ? (
          <span class="hint">
            {" "}
            (set away until {dateTime(Date.parse(owner.runtimeAway.until))}
            {owner.runtimeAway.reason ? `: ${owner.runtimeAway.reason}` : ""})
          </span>
        ) : null}
      </td>
      <td data-label="Pools">{owner.pools.join(", ") || "–"}</td>
      {session.role === "admin" ? (
        <td data-label="Time away">
          <form class="inline" method="post" action={href(`/owners/${encodeURIComponent(owner.id)}/away`)} aria-label={`Set owner ${owner.id} away`}>
            <input type="hidden" name="_csrf" value={session.csrf} />
            <label for={`${formId}-until`}>Until ({owner.timeZone})</label> <input id={`${formId}-until`} name="until" type="datetime-local" required />{" "}
            <label for={`${formId}-reason`}>Reason</label> <input id={`${formId}-reason`} name="reason" type="text" maxlength={200} />{" "}
            <button type="submit" class="secondary">
              Set away
            </button>
          </form>
          {owner.runtimeAway ? (
            <PostButton action={href(`/owners/${encodeURIComponent(owner.id)}/away/end`)} csrf={session.csrf} label="End time away" />
          ) : null}
        </td>
      ) : null}
    </tr>
  );
}
