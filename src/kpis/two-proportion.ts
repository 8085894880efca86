/**
 * The two-proportion z-test, for comparing an experiment arm's conversion rate with
 * the control's. Pure arithmetic, no I/O: docs/kpis.md explains the rule to operators.
 */

/** Below this many successes or failures in either arm the normal approximation is poor: no p-value. */
export const minimumCount = 5;
/** A difference is called significant below this two-sided p-value. */
export const significanceLevel = 0.05;

/**
 * The error function, Abramowitz & Stegun, Handbook of Mathematical Functions (1964),
 * formula 7.1.26: |error| < 1.5e-7 for every x. Good enough for a p-value shown with
 * three decimals, and smaller than pulling in a statistics library.
 */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-a * a));
}

/** P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

export interface Proportion {
  /** Leads that reached the outcome. */
  successes: number;
  /** Leads in the arm. */
  total: number;
}

export type TwoProportionResult =
  | {
      enoughData: true;
      /** Treatment rate minus control rate. */
      difference: number;
      z: number;
      /** Two-sided. */
      pValue: number;
      significant: boolean;
    }
  | { enoughData: false; difference: number | null; z: null; pValue: null; significant: false };

/**
 * Compares `treatment` with `control`: z = (p₂ − p₁) / √(p̂(1 − p̂)(1/n₁ + 1/n₂)) with the
 * pooled rate p̂ = (x₁ + x₂) / (n₁ + n₂), p = 2 · (1 − Φ(|z|)). Without at least
 * `minimumCount` successes and as many failures in each arm there is no p-value.
 */
export function twoProportionTest(control: Proportion, treatment: Proportion): TwoProportionResult {
  const difference = control.total > 0 && treatment.total > 0 ? treatment.successes / treatment.total - control.successes / control.total : null;
  const enough = [control, treatment].every((arm) => arm.successes >= minimumCount && arm.total - arm.successes >= minimumCount);
  if (!enough || difference === null) return { enoughData: false, difference, z: null, pValue: null, significant: false };
  const pooled = (control.successes + treatment.successes) / (control.total + treatment.total);
  // Never zero here: each arm has successes and failures, so 0 < pooled < 1.
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / control.total + 1 / treatment.total));
  const z = difference / standardError;
  const pValue = Math.min(1, Math.max(0, 2 * (1 - normalCdf(Math.abs(z)))));
  return { enoughData: true, difference, z, pValue, significant: pValue < significanceLevel };
}
