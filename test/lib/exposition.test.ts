import { describe, expect, it } from "vitest";
import { renderExposition } from "../../src/monitoring/exposition";

describe("Prometheus text exposition", () => {
  it("escapes label values and help text as the format requires", () => {
    const text = renderExposition([{ name: "m_total", help: "a \\ b\nc", type: "counter", samples: [{ labels: { source: 'say "hi"\\\nbye' }, value: 3 }] }]);
    expect(text).toBe('# HELP m_total a \\\\ b\\nc\n# TYPE m_total counter\nm_total{source="say \\"hi\\"\\\\\\nbye"} 3\n');
  });

  it("writes infinities and NaN in the format's spelling, and histogram suffixes after the name", () => {
    const text = renderExposition([
      {
        name: "h",
        help: "h",
        type: "histogram",
        samples: [
          { suffix: "_bucket", labels: { le: "+Inf" }, value: Number.POSITIVE_INFINITY },
          { suffix: "_sum", value: Number.NaN },
          { suffix: "_count", value: Number.NEGATIVE_INFINITY },
        ],
      },
    ]);
    expect(text.split("\n").slice(2, 5)).toEqual(['h_bucket{le="+Inf"} +Inf', "h_sum NaN", "h_count -Inf"]);
  });
});
