import type { OutcomeName } from "../config/schema";
import { minimumCount, type TwoProportionResult } from "./two-proportion";

/** One comparison in plain words, for the console and the API (docs/kpis.md). */

const outcomeWords: Record<OutcomeName, string> = {
  contacted: "contacted",
  qualified: "qualified",
  meeting_booked: "meeting booked",
  won: "won",
  lost: "lost",
};

export function outcomeLabel(name: OutcomeName): string {
  return outcomeWords[name];
}

/** `12.5 %`: one decimal, trailing `.0` dropped. */
export function ratePercent(rate: number | null): string {
  if (rate === null) return "–";
  return `${Number((rate * 100).toFixed(1))} %`;
}

/** `p = 0.003`, `p < 0.001`. */
export function pText(pValue: number): string {
  return pValue < 0.001 ? "p < 0.001" : `p = ${pValue.toFixed(3)}`;
}

export interface VerdictInput {
  outcome: OutcomeName;
  arm: string;
  control: string;
  armRate: number | null;
  controlRate: number | null;
  test: TwoProportionResult;
}

/**
 * "sdr-first converts better to qualified than ae-first (30 % vs 12 %, p = 0.003)".
 * `lost` reads the other way round: more of it is worse, so it gets its own words.
 */
export function verdict({ outcome, arm, control, armRate, controlRate, test }: VerdictInput): string {
  const label = outcomeLabel(outcome);
  if (!test.enoughData) {
    return `not enough data yet for ${label}: each arm needs at least ${minimumCount} leads with and ${minimumCount} without it`;
  }
  const figures = `(${ratePercent(armRate)} vs ${ratePercent(controlRate)}, ${pText(test.pValue)})`;
  if (!test.significant) return `no clear difference between ${arm} and ${control} in ${label} yet ${figures}`;
  if (outcome === "lost") return `${arm} loses ${test.difference > 0 ? "more" : "fewer"} leads than ${control} ${figures}`;
  return `${arm} converts ${test.difference > 0 ? "better" : "worse"} to ${label} than ${control} ${figures}`;
}
