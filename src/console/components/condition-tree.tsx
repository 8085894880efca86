import { type ConditionTrace, decidingLeaves } from "../../routing/trace";

function Verdict({ result }: { result: boolean }) {
  return result ? (
    <span class="yes">
      <span aria-hidden="true">✔ </span>
      <span class="sr-only">holds: </span>
    </span>
  ) : (
    <span class="no">
      <span aria-hidden="true">✘ </span>
      <span class="sr-only">fails: </span>
    </span>
  );
}

/** A traced condition as a nested list: every node with whether it held and, for leaves, the value seen. */
export function ConditionTree({ node }: { node: ConditionTrace }) {
  switch (node.kind) {
    case "all":
    case "any":
      return (
        <>
          <Verdict result={node.result} />
          {node.kind === "all" ? "all of:" : "any of:"}
          <ul class="tree">
            {node.children.map((child) => (
              <li>
                <ConditionTree node={child} />
              </li>
            ))}
          </ul>
        </>
      );
    case "not":
      return (
        <>
          <Verdict result={node.result} />
          not:
          <ul class="tree">
            <li>
              <ConditionTree node={node.child} />
            </li>
          </ul>
        </>
      );
    case "always":
      return (
        <>
          <Verdict result={true} />
          always
        </>
      );
    case "invalid":
      return (
        <>
          <Verdict result={false} />
          invalid condition: {node.error}
        </>
      );
    case "field":
      // decidingLeaves of a leaf is that leaf in words: `score 91 > 80`.
      return (
        <>
          <Verdict result={node.result} />
          <span class="mono">{decidingLeaves(node)[0]}</span>
        </>
      );
  }
}
