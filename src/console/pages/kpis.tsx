import type { AdminBindings } from "../../admin/env";
import { type GatewayConfig, type OutcomeName, outcomeNames } from "../../config/schema";
import { readCurrentConfig } from "../../config/store";
import type { Database } from "../../db/client";
import type { ExperimentResult } from "../../kpis/experiments";
import type { GroupKpis } from "../../kpis/groups";
import { kpiReport } from "../../kpis/report";
import { outcomeLabel, pText, ratePercent } from "../../kpis/verdict";
import { errorMessage } from "../../lib/log";
import { Layout } from "../components/layout";
import { href } from "../env";
import { duration, percent } from "../format";
import type { Session } from "../session";

/** The windows the KPI page offers, in days: conversions take days to come in, so longer than the overview's. */
export const kpiWindows: Record<string, number> = { "1": 1, "7": 7, "30": 30 };
export const defaultKpiWindow = "7";

/** Everything the KPI page shows, from the same report as GET /admin/v1/stats. */
export async function loadKpis(env: AdminBindings, db: Database, windowKey: string | undefined, nowMs = Date.now()) {
  const key = windowKey && kpiWindows[windowKey] ? windowKey : defaultKpiWindow;
  const until = nowMs;
  const since = until - (kpiWindows[key] ?? 7) * 86_400_000;
  const config = await readCurrentConfig(env).then(
    (stored): { document?: GatewayConfig; error?: string } => ({ document: stored?.document }),
    (error: unknown): { document?: GatewayConfig; error?: string } => ({ error: errorMessage(error) }),
  );
  const report = await kpiReport(db, since, until, config.document?.routes ?? []);
  // Owner ids are CRM ids; the pools may give them names.
  const ownerNames = new Map((config.document?.pools ?? []).flatMap((pool) => pool.members.flatMap((m) => (m.name ? [[m.ownerId, m.name] as const] : []))));
  return { windowKey: key, since, until, report, ownerNames, configError: config.error };
}

export type KpiData = Awaited<ReturnType<typeof loadKpis>>;

/** `8 (20 %)`. */
function countAndRate(leads: number, rate: number | null) {
  return `${leads} (${ratePercent(rate)})`;
}

/** `+30 pts`: a difference of rates in percentage points. */
function points(difference: number | null): string {
  if (difference === null) return "";
  const value = Number((difference * 100).toFixed(1));
  return `${value > 0 ? "+" : value < 0 ? "−" : "±"}${Math.abs(value)} pts`;
}

interface GroupTableProps {
  id: string;
  title: string;
  label: string;
  groups: [string, GroupKpis][];
  /** Shown instead of an empty table. */
  empty?: string;
  nameOf?: (key: string) => string;
}

function GroupTable({ id, title, label, groups, empty = "No routed leads in this window.", nameOf }: GroupTableProps) {
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {groups.length === 0 ? (
        <p>{empty}</p>
      ) : (
        <div class="table-wrap">
          <table class="stack">
            <thead>
              <tr>
                <th scope="col">{label}</th>
                <th scope="col" class="num">
                  Leads
                </th>
                {outcomeNames.map((name) => (
                  <th scope="col" class="num">
                    {capitalized(outcomeLabel(name))}
                  </th>
                ))}
                <th scope="col" class="num">
                  Webhook to CRM p50
                </th>
                <th scope="col" class="num">
                  First outcome p50
                </th>
                <th scope="col" class="num">
                  First touch p50
                </th>
                <th scope="col" class="num">
                  SLA met
                </th>
                <th scope="col" class="num">
                  Delivery errors
                </th>
              </tr>
            </thead>
            <tbody>
              {groups.map(([key, g]) => (
                <tr>
                  <th scope="row" data-label={label}>
                    {nameOf ? nameOf(key) : key}
                  </th>
                  <td data-label="Leads" class="num">
                    {g.leads}
                  </td>
                  {outcomeNames.map((name) => (
                    <td data-label={capitalized(outcomeLabel(name))} class="num">
                      {countAndRate(g.outcomes[name].leads, g.outcomes[name].rate)}
                    </td>
                  ))}
                  <td data-label="Webhook to CRM p50" class="num">
                    {duration(g.webhookToCrmMs.p50)}
                  </td>
                  <td data-label="First outcome p50" class="num">
                    {duration(g.timeToFirstOutcomeMs.p50)}
                  </td>
                  <td data-label="First touch p50" class="num">
                    {duration(g.timeToFirstTouchMs.p50)}
                  </td>
                  <td data-label="SLA met" class="num">
                    {slaText(g)}
                  </td>
                  <td data-label="Delivery errors" class="num">
                    {percent(g.deliveries.failed, g.deliveries.settled)}{" "}
                    <span class="hint">{g.deliveries.settled === 0 ? "(none settled)" : `(${g.deliveries.failed} of ${g.deliveries.settled})`}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** `75 % (3 of 4, 1 running)`; `–` for a group no SLA held. */
function slaText(g: GroupKpis): string {
  const { met, missed, running, clocks } = g.sla;
  if (clocks === 0) return "–";
  const ended = met + missed;
  return `${percent(met, ended)} (${met} of ${ended}${running > 0 ? `, ${running} running` : ""})`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Verdicts of the non-control arms: significant ones first, so the news is on top. */
function verdictsOf(experiment: ExperimentResult) {
  const all = experiment.arms.flatMap((arm) =>
    outcomeNames.flatMap((name: OutcomeName) => {
      const vs = arm.outcomes[name].vsControl;
      return vs ? [{ arm: arm.arm, outcome: name, ...vs }] : [];
    }),
  );
  return [...all.filter((v) => v.significant), ...all.filter((v) => !v.significant)];
}

function ExperimentCard({ experiment }: { experiment: ExperimentResult }) {
  const id = `experiment-${experiment.experiment}`;
  const verdicts = verdictsOf(experiment);
  const significant = verdicts.filter((v) => v.significant);
  return (
    <section class="card" aria-labelledby={id}>
      <h3 id={id}>
        {experiment.experiment}
        {experiment.configured ? null : <span class="hint"> (no longer configured: arms in alphabetical order)</span>}
      </h3>
      <div class="table-wrap">
        <table class="stack">
          <thead>
            <tr>
              <th scope="col">Arm</th>
              <th scope="col" class="num">
                Leads
              </th>
              {outcomeNames.map((name) => (
                <th scope="col" class="num">
                  {capitalized(outcomeLabel(name))}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {experiment.arms.map((arm) => (
              <tr>
                <th scope="row" data-label="Arm">
                  {arm.arm}
                  {arm.control ? <span class="hint"> (control)</span> : null}
                </th>
                <td data-label="Leads" class="num">
                  {arm.leads}
                </td>
                {outcomeNames.map((name) => {
                  const o = arm.outcomes[name];
                  const vs = o.vsControl;
                  return (
                    <td data-label={capitalized(outcomeLabel(name))} class="num">
                      {countAndRate(o.leads, o.rate)}
                      {vs ? (
                        <>
                          <br />
                          <span class="hint">
                            {points(vs.difference)}
                            {vs.pValue === null ? ", not enough data" : `, ${pText(vs.pValue)}`}
                          </span>{" "}
                          {vs.significant ? <span class="badge s-routed">significant</span> : null}
                        </>
                      ) : null}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {verdicts.length === 0 ? (
        <p>Only one arm has leads so far.</p>
      ) : (
        <>
          <p class={significant.length > 0 ? "verdict" : undefined}>
            {significant.length > 0
              ? `${significant.length} real ${significant.length === 1 ? "difference" : "differences"} (p < 0.05):`
              : "No real difference yet: keep the experiment running."}
          </p>
          <ul>
            {verdicts.map((v) => (
              <li class={v.significant ? "verdict" : undefined}>{v.verdict}</li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

const byKey = (record: Record<string, GroupKpis>): [string, GroupKpis][] => Object.entries(record).sort(([a], [b]) => a.localeCompare(b));

/** Leads, conversions and delivery health per route, arm, owner and source; experiments side by side. */
export function KpisPage({ data, session }: { data: KpiData; session: Session }) {
  const { kpis, experiments } = data.report;
  const days = kpiWindows[data.windowKey] ?? 7;
  const arms = Object.entries(kpis.byArm)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([experiment, byArm]) => byKey(byArm).map(([arm, g]): [string, GroupKpis] => [`${experiment} / ${arm}`, g]));
  const ownerName = (key: string) => {
    const name = data.ownerNames.get(key);
    return name ? `${name} (${key})` : key;
  };
  return (
    <Layout title="KPIs" session={session} active="kpis">
      <h1>KPIs: leads of the last {days === 1 ? "day" : `${days} days`}</h1>
      <nav aria-label="Time window">
        <ul class="windows">
          {Object.entries(kpiWindows).map(([key, d]) => (
            <li>
              <a href={href("/kpis", { days: key })} aria-current={key === data.windowKey ? "page" : undefined}>
                {d === 1 ? "1 day" : `${d} days`}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {data.configError ? (
        <p class="error" role="alert">
          The configuration could not be read ({data.configError}): experiment arms are compared in alphabetical order.
        </p>
      ) : null}
      <p class="hint">
        Leads routed in this window and what became of them so far: an outcome counts for the group of the routed event it is credited to. Conversion is leads
        with the outcome over leads; times are medians over the newest {kpis.sampledEvents.toLocaleString("en-US")} routed events; delivery errors are failed or
        dead deliveries over settled ones. Definitions: docs/kpis.md.
      </p>

      <h2 id="experiments-heading">Experiments</h2>
      {experiments.length === 0 ? (
        <p>No route splits its leads, and no lead in this window went through a split.</p>
      ) : (
        experiments.map((experiment) => <ExperimentCard experiment={experiment} />)
      )}
      <p class="hint">
        Each arm against the control (the first arm in the configuration), per outcome: a two-proportion z-test, significant below p = 0.05. With four outcomes
        and several arms, about one comparison in twenty looks significant by chance: decide beforehand which outcome counts.
      </p>

      <GroupTable id="routes-heading" title="By route" label="Route" groups={byKey(kpis.byRoute)} />
      <GroupTable
        id="arms-heading"
        title="By experiment arm"
        label="Experiment / arm"
        groups={arms}
        empty="No lead in this window went through a split route."
      />
      <GroupTable id="owners-heading" title="By owner" label="Owner" groups={byKey(kpis.byOwner)} nameOf={ownerName} />
      <GroupTable id="sources-heading" title="By source" label="Source" groups={byKey(kpis.bySource)} />
    </Layout>
  );
}
