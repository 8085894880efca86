import { z } from "@hono/zod-openapi";
import type { AdminBindings } from "../../admin/env";
import { eventFilterShape, limitParam } from "../../admin/schemas";
import type { PointerProblem } from "../../config/secret-fields";
import { readCurrentConfig } from "../../config/store";
import { zodProblems } from "../../config/validate";
import type { Database } from "../../db/client";
import { listEvents } from "../../db/event-queries";
import { eventStatuses } from "../../db/schema";
import { EventLink } from "../components/event-link";
import { Layout } from "../components/layout";
import { StatusBadge } from "../components/status-badge";
import { href } from "../env";
import { dateTime, statusLabel } from "../format";
import type { Session } from "../session";

/** The query of GET /admin/v1/events, built from the same schema pieces. */
const eventQuery = z.object({ ...eventFilterShape, limit: limitParam(200, 50), cursor: z.string().optional() });

const filterNames = ["source", "status", "route", "destination", "email", "since", "until"] as const;
type FilterName = (typeof filterNames)[number];

/** One page of events for the filters in `query` (as typed into the form), newest first. */
export async function loadEvents(env: AdminBindings, db: Database, query: Record<string, string>) {
  const given: Partial<Record<FilterName | "cursor" | "limit", string>> = {};
  for (const name of [...filterNames, "cursor", "limit"] as const) {
    const value = query[name]?.trim();
    if (value) given[name] = value;
  }
  const config = await readCurrentConfig(env).catch(() => undefined);
  const choices = {
    sources: config?.document.sources.map((s) => s.id) ?? [],
    routes: config?.document.routes.map((r) => r.id) ?? [],
    destinations: config?.document.destinations.map((d) => d.id) ?? [],
  };
  const parsed = eventQuery.safeParse(given);
  if (!parsed.success) return { given, choices, problems: zodProblems(parsed.error), items: [], nextCursor: undefined };
  const { limit, cursor, ...filter } = parsed.data;
  const page = await listEvents(db, filter, { limit, ...(cursor ? { cursor } : {}) });
  return { given, choices, problems: [] as PointerProblem[], items: page.items, nextCursor: page.nextCursor };
}

export type EventsData = Awaited<ReturnType<typeof loadEvents>>;

function Choice({ name, label, options, value, anyLabel }: { name: FilterName; label: string; options: readonly string[]; value?: string; anyLabel: string }) {
  // A value not offered (an old source, a typed URL) stays selectable.
  const all = value && !options.includes(value) ? [...options, value] : options;
  return (
    <p>
      <label for={`f-${name}`}>{label}</label>
      <select id={`f-${name}`} name={name}>
        <option value="">{anyLabel}</option>
        {all.map((option) => (
          <option value={option} selected={option === value}>
            {name === "status" ? statusLabel(option) : option}
          </option>
        ))}
      </select>
    </p>
  );
}

/** The filterable list of events: the admin API's list, as a form and a table. */
export function EventsPage({ data, session }: { data: EventsData; session: Session }) {
  const { given, choices } = data;
  const filtered = filterNames.some((name) => given[name]);
  const older = data.nextCursor ? href("/events", { ...Object.fromEntries(filterNames.map((n) => [n, given[n]])), cursor: data.nextCursor }) : undefined;
  return (
    <Layout title="Events" session={session} active="events">
      <h1>Events</h1>
      <form method="get" action={href("/events")} class="panel" role="search" aria-label="Filter events">
        <div class="filters">
          <p>
            <label for="f-email">Lead email</label>
            <input id="f-email" name="email" type="search" inputmode="email" autocomplete="off" value={given.email ?? ""} />
          </p>
          <Choice name="status" label="Status" options={eventStatuses} value={given.status} anyLabel="any status" />
          <Choice name="source" label="Source" options={choices.sources} value={given.source} anyLabel="any source" />
          <Choice name="route" label="Route" options={choices.routes} value={given.route} anyLabel="any route" />
          <Choice name="destination" label="Destination" options={choices.destinations} value={given.destination} anyLabel="any destination" />
          <p>
            <label for="f-since">Accepted from (UTC)</label>
            <input id="f-since" name="since" type="datetime-local" value={given.since ?? ""} />
          </p>
          <p>
            <label for="f-until">Accepted before (UTC)</label>
            <input id="f-until" name="until" type="datetime-local" value={given.until ?? ""} />
          </p>
        </div>
        <div class="actions-row">
          <button type="submit">Filter</button>
          {filtered ? (
            <a class="button secondary" href={href("/events")}>
              Clear filters
            </a>
          ) : null}
        </div>
      </form>

      {data.problems.length > 0 ? (
        <div class="error" role="alert">
          <p>The filters have problems:</p>
          <ul>
            {data.problems.map((p) => (
              <li>
                {p.pointer.slice(1) || "filters"}: {p.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      {data.items.length === 0 && data.problems.length === 0 ? <p role="status">{filtered ? "No event matches these filters." : "No events yet."}</p> : null}
      {data.items.length > 0 ? (
        <div class="table-wrap">
          <table class="stack">
            <caption>
              {data.items.length} event{data.items.length === 1 ? "" : "s"}, newest first{given.cursor ? " (older page)" : ""}
            </caption>
            <thead>
              <tr>
                <th scope="col">Accepted</th>
                <th scope="col">Event</th>
                <th scope="col">Source</th>
                <th scope="col">Status</th>
                <th scope="col">Lead email</th>
                <th scope="col">Route</th>
                <th scope="col">Owner</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((e) => (
                <tr class={e.status === "dead" ? "dead" : undefined}>
                  <td data-label="Accepted">{dateTime(e.receivedAt)}</td>
                  <td data-label="Event">
                    <EventLink id={e.id} />
                    {e.replayOf ? <span class="hint"> (replay)</span> : null}
                  </td>
                  <td data-label="Source">{e.sourceId}</td>
                  <td data-label="Status">
                    <StatusBadge status={e.status} />
                  </td>
                  <td data-label="Lead email" class="id">
                    {e.email ?? "–"}
                  </td>
                  <td data-label="Route">{e.routeId ?? "–"}</td>
                  <td data-label="Owner">{e.ownerId ?? "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {older ? (
        <p>
          <a href={older}>Older events</a>
        </p>
      ) : null}
    </Layout>
  );
}
