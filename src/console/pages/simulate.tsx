import type { AdminBindings } from "../../admin/env";
import { simulateBody } from "../../admin/routes/simulate";
import type { PointerProblem } from "../../config/secret-fields";
import { readCurrentConfig } from "../../config/store";
import { zodProblems } from "../../config/validate";
import { GatewayError } from "../../errors";
import { momentFromForm } from "../../lib/zoned-time";
import { type Simulation, simulate } from "../../routing/simulate";
import { Layout } from "../components/layout";
import { LeadFacts } from "../components/lead-facts";
import { StatusBadge } from "../components/status-badge";
import { asDecisionTrace, TraceStory } from "../components/trace-story";
import { href } from "../env";
import { dateTime, destinationTypeName } from "../format";
import type { Session } from "../session";

export interface SimulateForm {
  source: string;
  payload: string;
  /** Empty for now; a wall clock read in `zone`, or ISO 8601 text with an offset. */
  at: string;
  /** The IANA zone a wall-clock `at` is read in. */
  zone: string;
}

export interface SimulateOutcome {
  form: SimulateForm;
  sources: string[];
  /** The owners' time zones and UTC, offered for `zone`. */
  zones: string[];
  problems: PointerProblem[];
  result?: Simulation;
}

async function choices(env: AdminBindings): Promise<{ sources: string[]; zones: string[] }> {
  const config = await readCurrentConfig(env).catch(() => undefined);
  return {
    sources: config?.document.sources.map((s) => s.id) ?? [],
    zones: [...new Set(["UTC", ...(config?.document.owners.map((o) => o.timeZone) ?? [])])],
  };
}

/** The empty form. */
export async function loadSimulateForm(env: AdminBindings): Promise<SimulateOutcome> {
  const { sources, zones } = await choices(env);
  return { form: { source: sources[0] ?? "", payload: "", at: "", zone: "UTC" }, sources, zones, problems: [] };
}

/**
 * Runs the admin API's simulation (POST /admin/v1/simulate, same function, same
 * validation) on the pasted payload: nothing is stored, no pool advances, no
 * destination is called.
 */
export async function simulateForm(env: AdminBindings, form: SimulateForm, requestUrl: string): Promise<SimulateOutcome> {
  const { sources, zones } = await choices(env);
  let payload: unknown;
  try {
    payload = JSON.parse(form.payload);
  } catch (error) {
    return { form, sources, zones, problems: [{ pointer: "/payload", message: `not JSON: ${error instanceof Error ? error.message : String(error)}` }] };
  }
  let at: string | undefined;
  if (form.at.trim() !== "") {
    const moment = momentFromForm(form.at, form.zone.trim() || "UTC");
    if (!moment.ok) return { form, sources, zones, problems: [{ pointer: "/at", message: moment.message }] };
    at = new Date(moment.ms).toISOString();
  }
  const input = simulateBody.safeParse({ source: form.source, payload, ...(at === undefined ? {} : { at }) });
  if (!input.success) return { form, sources, zones, problems: zodProblems(input.error) };
  try {
    return { form, sources, zones, problems: [], result: await simulate(env, input.data, requestUrl) };
  } catch (error) {
    if (error instanceof GatewayError && (error.code === "source_not_found" || error.code === "validation_failed")) {
      const listed = error.extensions?.problems;
      const problems = Array.isArray(listed) ? (listed as PointerProblem[]) : [{ pointer: "/source", message: error.detail }];
      return { form, sources, zones, problems };
    }
    throw error;
  }
}

export function SimulatePage({ data, session }: { data: SimulateOutcome; session: Session }) {
  const { form, result } = data;
  const trace = result ? asDecisionTrace(result.trace) : undefined;
  return (
    <Layout title="Simulate" session={session} active="simulate">
      <h1>Simulate a webhook</h1>
      <p>Paste a payload as a source would send it and see where it would go. Nothing is stored, no owner pool advances, no destination is called.</p>
      <form method="post" action={href("/simulate")} class="panel">
        <input type="hidden" name="_csrf" value={session.csrf} />
        <p>
          <label for="s-source">Source</label>
          <select id="s-source" name="source" required>
            {data.sources.length === 0 ? <option value="">no source is configured</option> : null}
            {data.sources.map((s) => (
              <option value={s} selected={s === form.source}>
                {s}
              </option>
            ))}
          </select>
        </p>
        <p>
          <label for="s-payload">Payload (JSON)</label>
          <textarea id="s-payload" name="payload" rows={12} required spellcheck={false} aria-describedby="s-payload-hint">
            {form.payload}
          </textarea>
        </p>
        <p class="hint" id="s-payload-hint">
          The parsed body, e.g. <code>{'{"email": "ada@example.com", "score": 91}'}</code>. The source's mapping reads it.
        </p>
        <fieldset>
          <legend>At a moment (optional)</legend>
          <p>
            <label for="s-at">When</label>
            <input id="s-at" name="at" type="text" value={form.at} placeholder="2026-12-07T09:30" aria-describedby="s-at-hint" />{" "}
            <label for="s-zone">Time zone</label>
            <input id="s-zone" name="zone" type="text" value={form.zone} list="s-zones" aria-describedby="s-at-hint" />
            <datalist id="s-zones">
              {data.zones.map((z) => (
                <option value={z} />
              ))}
            </datalist>
          </p>
          <p class="hint" id="s-at-hint">
            Empty: now. A date and time (<code>2026-12-07T09:30</code>) is read in the time zone; ISO 8601 with an offset (<code>2026-12-07T08:30:00Z</code>)
            stands as it is. Working hours, time away and daily caps are taken at that moment.
          </p>
        </fieldset>
        <button type="submit">Simulate</button>
      </form>

      {data.problems.length > 0 ? (
        <div class="error" role="alert">
          <p>The simulation could not run:</p>
          <ul>
            {data.problems.map((p) => (
              <li>
                {p.pointer.slice(1) || "input"}: {p.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      {result ? (
        <section class="card" aria-labelledby="result-heading">
          <h2 id="result-heading" tabindex={-1}>
            Result: <StatusBadge status={result.status} />
          </h2>
          <p class="hint">
            Source {result.source.id} ({result.source.provider}
            {result.source.enabled ? "" : ", disabled"}), configuration version {result.configVersion}, at {dateTime(Date.parse(result.at))}. Simulated: nothing
            was written.
          </p>
          {result.reason ? <p class="error">{result.reason}</p> : null}
          {trace ? <TraceStory trace={trace} /> : null}
          {result.actions.length > 0 ? (
            <div class="table-wrap">
              <table class="stack">
                <caption>What would be delivered</caption>
                <thead>
                  <tr>
                    <th scope="col">Route</th>
                    <th scope="col">Action</th>
                    <th scope="col">Destination</th>
                    <th scope="col">Owner</th>
                  </tr>
                </thead>
                <tbody>
                  {result.actions.map((a) => (
                    <tr>
                      <td data-label="Route">{a.routeId}</td>
                      <td data-label="Action">{a.action}</td>
                      <td data-label="Destination">
                        {a.destinationId} ({destinationTypeName(a.destinationType)})
                      </td>
                      <td data-label="Owner">{a.ownerId ?? "–"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {result.lead ? (
            <>
              <h3>The lead it would make</h3>
              <LeadFacts lead={result.lead} />
            </>
          ) : null}
        </section>
      ) : null}
    </Layout>
  );
}
