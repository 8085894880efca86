// `npm run lint` (with Biome and dependency-cruiser's file-cycle rule): no two
// top-level folders of src/ may import each other (docs/architecture.md). None does
// today; a pair may only be listed below while it is being removed, and a listed
// pair that no longer imports both ways must be taken off the list.
import { cruise } from "dependency-cruiser";

/** Folder pairs that import each other while being removed, each as "a<->b" with a before b. */
const knownPairs = new Set([]);

const result = await cruise(["src"], {
  doNotFollow: { path: "node_modules" },
  tsPreCompilationDeps: true,
  tsConfig: { fileName: "tsconfig.json" },
});
const folderOf = (path) => /^src\/([^/]+)\//.exec(path)?.[1];
const edges = new Set();
for (const module of /** @type {import("dependency-cruiser").ICruiseResult} */ (result.output).modules) {
  const from = folderOf(module.source);
  if (!from) continue;
  for (const dependency of module.dependencies) {
    const to = folderOf(dependency.resolved);
    if (to && to !== from) edges.add(`${from}->${to}`);
  }
}
const pairs = new Set();
for (const edge of edges) {
  const [a, b] = edge.split("->");
  if (edges.has(`${b}->${a}`)) pairs.add([a, b].sort().join("<->"));
}
const added = [...pairs].filter((pair) => !knownPairs.has(pair));
const gone = [...knownPairs].filter((pair) => !pairs.has(pair));
for (const pair of added) console.error(`✘ src/ folders import each other: ${pair} (docs/architecture.md gives the order)`);
for (const pair of gone) console.error(`✘ ${pair} no longer import each other: take the pair off knownPairs in scripts/check-layers.mjs`);
if (added.length > 0 || gone.length > 0) process.exit(1);
console.log(`layers: no pair of src/ folders imports each other (${knownPairs.size} listed)`);
