import { planRetry, type RetryRequest, retryRequestSchema } from "../../admin/bulk-retry";
import type { AdminBindings } from "../../admin/env";
import type { PointerProblem } from "../../config/secret-fields";
import { readCurrentConfig } from "../../config/store";
import { zodProblems } from "../../config/validate";
import { retryableStatuses } from "../../db/delivery-retry";
import { GatewayError } from "../../errors";
import { EventLink } from "../components/event-link";
import { Layout } from "../components/layout";
import { StatusBadge } from "../components/status-badge";
import { href } from "../env";
import { dateTime } from "../format";
import type { Session } from "../session";

/** The filter as typed into the form (the query of GET, the fields of POST). */
export interface RetryFields {
  status: string[];
  destination: string;
  error: string;
  from: string;
  to: string;
}

export function retryFieldsOf(read: (name: string) => string | undefined, statuses: string[]): RetryFields {
  const text = (name: string) => read(name)?.trim() ?? "";
  return { status: statuses.filter((s) => s !== ""), destination: text("destination"), error: text("error"), from: text("from"), to: text("to") };
}

/** The admin API's request for these fields, or the problems with them. */
export function retryRequestOf(fields: RetryFields, dryRun: boolean): { ok: true; request: RetryRequest } | { ok: false; problems: PointerProblem[] } {
  const parsed = retryRequestSchema.safeParse({
    ...(fields.status.length > 0 ? { status: fields.status } : {}),
    ...(fields.destination ? { destination: fields.destination } : {}),
    ...(fields.error ? { error: fields.error } : {}),
    ...(fields.from ? { from: fields.from } : {}),
    ...(fields.to ? { to: fields.to } : {}),
    dryRun,
  });
  return parsed.success ? { ok: true, request: parsed.data } : { ok: false, problems: zodProblems(parsed.error) };
}

/** The form, and once asked (`check`), the dry run's count and sample: what "Retry" would take. */
export async function loadRetryPlan(env: AdminBindings, fields: RetryFields, check: boolean) {
  const config = await readCurrentConfig(env).catch(() => undefined);
  const destinations = config?.document.destinations.map((d) => d.id) ?? [];
  const base = { fields, destinations, problems: [] as PointerProblem[], plan: undefined };
  if (!check) return base;
  const input = retryRequestOf(fields, true);
  if (!input.ok) return { ...base, problems: input.problems };
  try {
    return { ...base, plan: (await planRetry(env, input.request)).plan };
  } catch (error) {
    const listed = error instanceof GatewayError ? error.extensions?.problems : undefined;
    if (Array.isArray(listed)) return { ...base, problems: listed as PointerProblem[] };
    throw error;
  }
}

export type RetryPlanData = Awaited<ReturnType<typeof loadRetryPlan>>;

const statusHelp: Record<(typeof retryableStatuses)[number], string> = {
  dead: "dead (out of attempts)",
  failed: "failed (refused by the destination)",
  pending: "pending (waiting out a backoff)",
};

/** "Retry matching": the filter, a dry-run count first, then the button that starts the job. */
export function RetryPage({ data, session }: { data: RetryPlanData; session: Session }) {
  const { fields, plan } = data;
  const statuses = fields.status.length > 0 ? fields.status : ["dead", "failed"];
  return (
    <Layout title="Retry deliveries" session={session} active="overview">
      <h1>Retry matching deliveries</h1>
      <p class="hint">
        Sends deliveries again as they were decided (nothing is routed again). Count them first; the retry then runs as a job, a chunk at a time, each delivery
        once.
      </p>
      <form method="get" action={href("/retry")} class="panel" aria-label="Deliveries to retry">
        <input type="hidden" name="check" value="1" />
        <div class="filters">
          <fieldset>
            <legend>Status</legend>
            {retryableStatuses.map((status) => (
              <p>
                <label>
                  <input type="checkbox" name="status" value={status} checked={statuses.includes(status)} /> {statusHelp[status]}
                </label>
              </p>
            ))}
          </fieldset>
          <p>
            <label for="r-destination">Destination</label>
            <select id="r-destination" name="destination">
              <option value="">any destination</option>
              {data.destinations.map((id) => (
                <option value={id} selected={id === fields.destination}>
                  {id}
                </option>
              ))}
            </select>
          </p>
          <p>
            <label for="r-error">Last error contains</label>
            <input id="r-error" name="error" type="search" maxlength={200} autocomplete="off" value={fields.error} />
          </p>
          <p>
            <label for="r-from">Failed from (UTC)</label>
            <input id="r-from" name="from" type="datetime-local" value={fields.from} />
          </p>
          <p>
            <label for="r-to">Failed before (UTC)</label>
            <input id="r-to" name="to" type="datetime-local" value={fields.to} />
          </p>
        </div>
        <div class="actions-row">
          <button type="submit">Count matching</button>
        </div>
      </form>

      {data.problems.length > 0 ? (
        <div class="error" role="alert">
          <p>The filter has problems:</p>
          <ul>
            {data.problems.map((p) => (
              <li>
                {p.pointer.slice(1) || "filter"}: {p.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      {plan ? (
        <section class="card" aria-labelledby="plan-heading">
          <h2 id="plan-heading" role="status">
            {plan.matched === 0
              ? "No delivery matches."
              : `${plan.matchedAtLeast ? "More than " : ""}${plan.matched} deliver${plan.matched === 1 ? "y matches" : "ies match"}.`}
          </h2>
          {plan.sample.length > 0 ? (
            <div class="table-wrap">
              <table class="stack">
                <caption>The most recent {plan.sample.length}</caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Event</th>
                    <th scope="col">Destination</th>
                    <th scope="col">Status</th>
                    <th scope="col">Last error</th>
                  </tr>
                </thead>
                <tbody>
                  {plan.sample.map((d) => (
                    <tr>
                      <td data-label="When">{dateTime(Date.parse(d.at))}</td>
                      <td data-label="Event">
                        <EventLink id={d.eventId} />
                      </td>
                      <td data-label="Destination">
                        {d.action} → {d.destinationId}
                      </td>
                      <td data-label="Status">
                        <StatusBadge status={d.status} />
                      </td>
                      <td data-label="Last error">{d.lastError ?? "–"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {plan.matched > 0 && session.role === "admin" ? (
            <form method="post" action={href("/retry")} class="actions-row">
              <input type="hidden" name="_csrf" value={session.csrf} />
              <input type="hidden" name="status" value={statuses.join(",")} />
              <input type="hidden" name="destination" value={fields.destination} />
              <input type="hidden" name="error" value={fields.error} />
              <input type="hidden" name="from" value={fields.from} />
              <input type="hidden" name="to" value={fields.to} />
              <button type="submit">{`Retry ${plan.matchedAtLeast ? "all" : plan.matched} matching`}</button>
            </form>
          ) : null}
        </section>
      ) : null}
    </Layout>
  );
}
