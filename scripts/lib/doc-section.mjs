// Replaces one "## Title" section of a Markdown file (up to the next "## " heading or
// the end), or appends it: the soak and the bench each own a part of
// docs/benchmarks.md and must not wipe the other's.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

function bounds(text, title) {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.trim() === `## ${title}`);
  if (start < 0) return undefined;
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (end < 0) end = lines.length;
  return { lines, start, end };
}

/** The section's text (heading included), or undefined. */
export function readSection(text, title) {
  const b = bounds(text, title);
  return b ? `${b.lines.slice(b.start, b.end).join("\n").trimEnd()}\n` : undefined;
}

/** `text` with the section replaced by `section` (which starts with its heading), or appended. */
export function withSection(text, title, section) {
  const b = bounds(text, title);
  const body = `${section.trimEnd()}\n`;
  if (!b) return `${text.trimEnd()}${text.trim() ? "\n\n" : ""}${body}`;
  const before = b.lines.slice(0, b.start).join("\n").trimEnd();
  const after = b.lines.slice(b.end).join("\n").trim();
  return `${before ? `${before}\n\n` : ""}${body}${after ? `\n${after}\n` : ""}`;
}

export function writeSection(file, title, section) {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  writeFileSync(file, withSection(text, title, section));
}
