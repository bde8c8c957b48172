// ESLint formatter for scripts/test.sh: every error in full (file:line:column rule message), warnings only as a count per
// rule (while src/'s type-aware rules report as warnings, see eslint.config.mjs), and a one-line total.
//   npx eslint --format ./scripts/eslint-summary.js …
'use strict';
const path = require('node:path');

module.exports = function summary(results) {
  const lines = [];
  const warnings = new Map();
  let errors = 0;
  let warned = 0;
  for (const result of results) {
    for (const m of result.messages) {
      if (m.severity === 2) {
        errors++;
        lines.push(
          `${path.relative(process.cwd(), result.filePath)}:${m.line ?? 0}:${m.column ?? 0}  ${m.ruleId ?? 'parse'}  ${m.message}`,
        );
      } else {
        warned++;
        warnings.set(m.ruleId ?? 'other', (warnings.get(m.ruleId ?? 'other') ?? 0) + 1);
      }
    }
  }
  if (warned > 0) {
    lines.push(`warnings by rule (src/ type-aware rules, not yet errors: see eslint.config.mjs):`);
    for (const [rule, n] of [...warnings].sort((a, b) => b[1] - a[1])) lines.push(`  ${String(n).padStart(5)}  ${rule}`);
  }
  lines.push(`eslint: ${errors} errors, ${warned} warnings in ${results.length} files`);
  return lines.join('\n') + '\n';
};
