// Prints the harness's JSON results the way mocha's spec reporter would, grouped by suite file.

/** Prints passes and failures; returns { passed, failed }. */
export function printMochaStyle(results) {
  const byFile = new Map();
  const add = (test, status) => {
    const key = test.file ?? '';
    if (!byFile.has(key)) byFile.set(key, []);
    byFile.get(key).push({ ...test, status });
  };
  results.passes.forEach((test) => add(test, 'pass'));
  results.failures.forEach((test, index) => add({ ...test, number: index + 1 }, 'fail'));
  results.pending.forEach((test) => add(test, 'pending'));

  for (const [file, tests] of byFile) {
    console.log(`\n  ${file}`);
    for (const test of tests) {
      const title = test.fullTitle;
      if (test.status === 'pass') console.log(`    ✔ ${title}${test.durationMs > 75 ? ` (${test.durationMs}ms)` : ''}`);
      else if (test.status === 'fail') console.log(`    ${test.number}) ${title}`);
      else console.log(`    - ${title}`);
    }
  }
  const passed = results.passes.length;
  const failed = results.failures.length;
  console.log(`\n  ${passed} passing (${(results.durationMs / 1000).toFixed(1)}s)`);
  if (results.pending.length > 0) console.log(`  ${results.pending.length} pending`);
  if (failed > 0) console.log(`  ${failed} failing`);
  results.failures.forEach((test, index) => {
    console.log(`\n  ${index + 1}) ${test.fullTitle}:`);
    const detail = test.error?.stack ?? test.error?.message ?? '(no error message)';
    console.log(detail.split('\n').slice(0, 12).map((line) => `     ${line}`).join('\n'));
  });
  console.log('');
  return { passed, failed };
}
