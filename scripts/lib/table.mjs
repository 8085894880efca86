// Plain-text tables for terminal summaries: no dependency, columns sized to content
// and clipped, so a long email or error cannot push the table off the screen.

/**
 * @param {{ key: string, title: string, align?: "left" | "right", max?: number }[]} columns
 * @param {Record<string, unknown>[]} rows
 */
export function formatTable(columns, rows) {
  const text = (value) => (value === undefined || value === null ? "" : String(value));
  const clip = (value, max) => (max && value.length > max ? `${value.slice(0, max - 1)}…` : value);
  const cells = rows.map((row) => columns.map((c) => clip(text(row[c.key]), c.max)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((r) => r[i].length)));
  const line = (values) =>
    values
      .map((v, i) => (columns[i].align === "right" ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.title)), line(widths.map((w) => "─".repeat(w))), ...cells.map(line)].join("\n");
}
