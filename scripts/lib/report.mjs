// Prints the harness's results the way mocha's spec reporter would: each test as it finishes
// (from the progress file), then the counts and the failures in full.

/** Follows the harness's progress file (one JSON line per finished test) and prints each test. */
export function createProgressPrinter() {
  let currentFile;
  let failureNumber = 0;
  let buffered = '';
  return {
    /** Feeds newly appended text from the progress file. */
    push(text) {
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        const test = JSON.parse(line);
        if (test.file !== currentFile) {
          currentFile = test.file;
          console.log(`\n  ${test.file ?? ''}`);
        }
        if (test.status === 'pass') console.log(`    ✔ ${test.fullTitle}${test.durationMs > 75 ? ` (${test.durationMs}ms)` : ''}`);
        else if (test.status === 'fail') console.log(`    ${++failureNumber}) ${test.fullTitle}`);
        else console.log(`    - ${test.fullTitle}`);
      }
    },
  };
}

/** Prints the summary and failure details of the final results; returns { passed, failed }. */
export function printSummary(results) {
  const passed = results.passes.length;
  const failed = results.failures.length;
  console.log(`\n  ${passed} passing (${(results.durationMs / 1000).toFixed(1)}s)`);
  if (results.pending.length > 0) console.log(`  ${results.pending.length} pending`);
  if (failed > 0) console.log(`  ${failed} failing`);
  results.failures.forEach((test, index) => {
    console.log(`\n  ${index + 1}) ${test.fullTitle}:`);
    const detail = test.error?.stack ?? test.error?.message ?? '(no error message)';
    console.log(detail.split('\n').slice(0, 8).map((line) => `     ${line}`).join('\n'));
  });
  console.log('');
  return { passed, failed };
}
