import { describe, expect, it } from "vitest";
import { erf, normalCdf, twoProportionTest } from "../../src/kpis/two-proportion";

describe("normal distribution (Abramowitz & Stegun 7.1.26)", () => {
  it("matches tabulated values within 1.5e-7", () => {
    // erf(0.5) = 0.5204998778, erf(1) = 0.8427007929 (A&S table 7.1).
    expect(erf(0)).toBeCloseTo(0, 7);
    expect(Math.abs(erf(0.5) - 0.5204998778)).toBeLessThan(1.5e-7);
    expect(Math.abs(erf(1) - 0.8427007929)).toBeLessThan(1.5e-7);
    expect(erf(-1)).toBeCloseTo(-erf(1), 12);
    // Φ(1.96) = 0.9750021, the 97.5th percentile behind "p < 0.05 two-sided".
    expect(Math.abs(normalCdf(1.96) - 0.9750021)).toBeLessThan(2e-7);
    expect(Math.abs(normalCdf(0) - 0.5)).toBeLessThan(1.5e-7);
  });
});

describe("two-proportion z-test", () => {
  it("finds a real difference: 20 of 100 against 35 of 100", () => {
    // By hand: p̂ = (20 + 35) / 200 = 0.275; SE = √(0.275 · 0.725 · (1/100 + 1/100))
    // = √0.0039875 = 0.0631467; z = (0.35 − 0.20) / 0.0631467 = 2.37542;
    // p = 2 · (1 − Φ(2.37542)) = 2 · 0.0087644 = 0.017529.
    const result = twoProportionTest({ successes: 20, total: 100 }, { successes: 35, total: 100 });
    expect(result.enoughData).toBe(true);
    expect(result.difference).toBeCloseTo(0.15, 12);
    expect(result.z).toBeCloseTo(2.37542, 4);
    expect(result.pValue).toBeCloseTo(0.017529, 5);
    expect(result.significant).toBe(true);
  });

  it("is symmetric: a worse treatment gets a negative z and the same kind of p", () => {
    // 30 of 100 against 18 of 100: p̂ = 0.24; SE = √(0.24 · 0.76 · 0.02) = 0.0603987;
    // z = −0.12 / 0.0603987 = −1.98680; p = 0.046945: just significant.
    const result = twoProportionTest({ successes: 30, total: 100 }, { successes: 18, total: 100 });
    expect(result.z).toBeCloseTo(-1.9868, 4);
    expect(result.pValue).toBeCloseTo(0.046945, 5);
    expect(result.significant).toBe(true);
  });

  it("calls a small difference on small arms not significant", () => {
    // 10 of 50 against 14 of 50: p̂ = 0.24; SE = √(0.24 · 0.76 · 0.04) = 0.0854166;
    // z = 0.08 / 0.0854166 = 0.93659; p = 0.34897.
    const result = twoProportionTest({ successes: 10, total: 50 }, { successes: 14, total: 50 });
    expect(result.z).toBeCloseTo(0.93659, 4);
    expect(result.pValue).toBeCloseTo(0.34897, 4);
    expect(result.significant).toBe(false);
  });

  it("gives no p-value with fewer than 5 successes or 5 failures in an arm", () => {
    // 4 successes in the control: too few, even though 4 % against 20 % looks clear.
    const fewSuccesses = twoProportionTest({ successes: 4, total: 100 }, { successes: 20, total: 100 });
    expect(fewSuccesses).toEqual({ enoughData: false, difference: 0.16, z: null, pValue: null, significant: false });
    // 97 of 100: only 3 failures.
    expect(twoProportionTest({ successes: 50, total: 100 }, { successes: 97, total: 100 }).enoughData).toBe(false);
    // An arm without leads: no difference either.
    expect(twoProportionTest({ successes: 0, total: 0 }, { successes: 5, total: 10 })).toMatchObject({ enoughData: false, difference: null });
    // Exactly 5 and 5 is enough: 5 of 10 against 5 of 10, z = 0, p = 1.
    const even = twoProportionTest({ successes: 5, total: 10 }, { successes: 5, total: 10 });
    expect(even).toMatchObject({ enoughData: true, z: 0, significant: false });
    expect(even.pValue).toBeCloseTo(1, 6);
  });
});
