import type { AdminBindings } from "../../admin/env";
import { type SimulateResult, runSimulation, simulateBody } from "../../admin/routes/simulate";
import type { PointerProblem } from "../../config/secret-fields";
import { readCurrentConfig } from "../../config/store";
import { zodProblems } from "../../config/validate";
import { GatewayError } from "../../errors";
import { Layout } from "../components/layout";
import { LeadFacts } from "../components/lead-facts";
import { StatusBadge } from "../components/status-badge";
import { asDecisionTrace, TraceStory } from "../components/trace-story";
import { href } from "../env";
import { destinationTypeName } from "../format";
import type { Session } from "../session";

export interface SimulateForm {
  source: string;
  payload: string;
}

export interface SimulateOutcome {
  form: SimulateForm;
  sources: string[];
  problems: PointerProblem[];
  result?: SimulateResult;
}

async function sourceIds(env: AdminBindings): Promise<string[]> {
  const config = await readCurrentConfig(env).catch(() => undefined);
  return config?.document.sources.map((s) => s.id) ?? [];
}

/** The empty form. */
export async function loadSimulateForm(env: AdminBindings): Promise<SimulateOutcome> {
  const sources = await sourceIds(env);
  return { form: { source: sources[0] ?? "", payload: "" }, sources, problems: [] };
}

/**
 * Runs the admin API's simulation (POST /admin/v1/simulate, same function, same
 * validation) on the pasted payload: nothing is stored, no pool advances, no
 * destination is called.
 */
export async function simulateForm(env: AdminBindings, form: SimulateForm, requestUrl: string): Promise<SimulateOutcome> {
  const sources = await sourceIds(env);
  let payload: unknown;
  try {
    payload = JSON.parse(form.payload);
  } catch (error) {
    return { form, sources, problems: [{ pointer: "/payload", message: `not JSON: ${error instanceof Error ? error.message : String(error)}` }] };
  }
  const input = simulateBody.safeParse({ source: form.source, payload });
  if (!input.success) return { form, sources, problems: zodProblems(input.error) };
  try {
    return { form, sources, problems: [], result: await runSimulation(env, input.data, requestUrl) };
  } catch (error) {
    if (error instanceof GatewayError && (error.code === "source_not_found" || error.code === "validation_failed")) {
      const listed = error.extensions?.problems;
      const problems = Array.isArray(listed) ? (listed as PointerProblem[]) : [{ pointer: "/source", message: error.detail }];
      return { form, sources, problems };
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
            Source {result.source.id} ({result.source.provider}{result.source.enabled ? "" : ", disabled"}), configuration version {result.configVersion}. Simulated: nothing was written.
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
