import type { OutcomeName, RouteConfig } from "../config/schema";
import { type GroupKpis, perOutcome } from "./groups";
import { twoProportionTest } from "./two-proportion";
import { verdict } from "./verdict";

/**
 * Each experiment's arms side by side, every arm against the control (the first arm
 * in the configuration) with a two-proportion test per outcome.
 */

export interface Comparison {
  /** Arm rate minus control rate; null when either has no leads. */
  difference: number | null;
  z: number | null;
  /** Two-sided; null without enough data. */
  pValue: number | null;
  significant: boolean;
  enoughData: boolean;
  verdict: string;
}

export interface ArmOutcome {
  leads: number;
  rate: number | null;
  /** Null for the control itself. */
  vsControl: Comparison | null;
}

export interface ArmResult {
  arm: string;
  control: boolean;
  leads: number;
  outcomes: Record<OutcomeName, ArmOutcome>;
}

export interface ExperimentResult {
  /** The split route's id. */
  experiment: string;
  /** Whether the current configuration still has this split (else arms are in alphabetical order). */
  configured: boolean;
  control: string;
  arms: ArmResult[];
}

/**
 * Arm order: the configuration's (the first arm is the control), then arms seen in
 * the data but no longer configured, alphabetically. Without a configuration for
 * the experiment, all alphabetically.
 */
function armOrder(configured: readonly string[] | undefined, seen: readonly string[]): string[] {
  const extra = seen.filter((arm) => !configured?.includes(arm)).sort();
  return [...(configured ?? []), ...extra];
}

/** What a comparison needs of an arm's figures. */
interface ArmFigures {
  leads: number;
  outcomes: Record<OutcomeName, { leads: number; rate: number | null }>;
}

const noLeads: ArmFigures = { leads: 0, outcomes: perOutcome(() => ({ leads: 0, rate: null })) };

function compareOutcome(name: OutcomeName, arm: string, figures: ArmFigures, control: string, controlFigures: ArmFigures): ArmOutcome {
  const mine = figures.outcomes[name];
  const theirs = controlFigures.outcomes[name];
  if (arm === control) return { leads: mine.leads, rate: mine.rate, vsControl: null };
  const test = twoProportionTest({ successes: theirs.leads, total: controlFigures.leads }, { successes: mine.leads, total: figures.leads });
  return {
    leads: mine.leads,
    rate: mine.rate,
    vsControl: {
      difference: test.difference,
      z: test.z,
      pValue: test.pValue,
      significant: test.significant,
      enoughData: test.enoughData,
      verdict: verdict({ outcome: name, arm, control, armRate: mine.rate, controlRate: theirs.rate, test }),
    },
  };
}

/**
 * Experiments with leads in the window, and those configured now (so a new one shows
 * up before its first lead), each with every arm: configured arms without leads
 * count 0.
 */
export function compareExperiments(byArm: Record<string, Record<string, GroupKpis>>, routes: readonly RouteConfig[] = []): ExperimentResult[] {
  const splits = new Map(routes.flatMap((route) => (route.split ? [[route.id, route.split.map((a) => a.arm)] as const] : [])));
  const ids = [...new Set([...splits.keys(), ...Object.keys(byArm)])].sort();
  return ids.flatMap((experiment) => {
    const data = byArm[experiment] ?? {};
    const arms = armOrder(splits.get(experiment), Object.keys(data));
    const control = arms[0];
    if (control === undefined) return [];
    const controlFigures = data[control] ?? noLeads;
    return [
      {
        experiment,
        configured: splits.has(experiment),
        control,
        arms: arms.map((arm): ArmResult => {
          const figures = data[arm] ?? noLeads;
          return {
            arm,
            control: arm === control,
            leads: figures.leads,
            outcomes: perOutcome((name) => compareOutcome(name, arm, figures, control, controlFigures)),
          };
        }),
      },
    ];
  });
}
