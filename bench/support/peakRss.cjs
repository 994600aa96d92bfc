// Preloaded into a measured CLI run (`node --require peakRss.cjs dist/cli.js ...`): when the process
// exits, however it exits, its peak resident set (bytes) is written to the file named by
// BATCHLENS_BENCH_RSS_FILE, so the scale bench gets the peak RSS of a real CLI run. With it go the
// peaks of V8's heap, reserved and in use, and of memory outside it (buffers), sampled every 100 ms
// and at exit: what tells a heap V8 sized for a longer run from objects the process keeps.
const fs = require('node:fs');
const { setInterval } = require('node:timers');
const { peakRssBytes } = require('./processPeakRss.cjs');

const SAMPLE_MS = 100;
const target = process.env.BATCHLENS_BENCH_RSS_FILE;
if (target) {
  const peaks = { heapReserved: 0, heapUsed: 0, external: 0 };
  const sample = () => {
    const usage = process.memoryUsage();
    peaks.heapReserved = Math.max(peaks.heapReserved, usage.heapTotal);
    peaks.heapUsed = Math.max(peaks.heapUsed, usage.heapUsed);
    peaks.external = Math.max(peaks.external, usage.external);
  };
  setInterval(sample, SAMPLE_MS).unref();
  process.on('exit', () => {
    sample();
    fs.writeFileSync(target, JSON.stringify({ peakRss: peakRssBytes(), heap: peaks }));
  });
}
