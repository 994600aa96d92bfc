// Preloaded into a measured CLI run (`node --require peakRss.cjs dist/cli.js ...`): when the process
// exits, however it exits, its peak resident set (bytes) is written to the file named by
// BATCHLENS_BENCH_RSS_FILE, so the scale bench gets the peak RSS of a real CLI run.
const fs = require('node:fs');
const { peakRssBytes } = require('./processPeakRss.cjs');

const target = process.env.BATCHLENS_BENCH_RSS_FILE;
if (target) {
  process.on('exit', () => {
    fs.writeFileSync(target, JSON.stringify({ peakRss: peakRssBytes() }));
  });
}
