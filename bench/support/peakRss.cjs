// Preloaded into a measured CLI run (`node --require peakRss.cjs dist/cli.js ...`): when the process
// exits, however it exits, its peak resident set (bytes) is written to the file named by
// BATCHLENS_BENCH_RSS_FILE, so the scale bench gets the peak RSS of a real CLI run. With it go the
// peaks of V8's heap, reserved and in use, and of memory outside it (buffers), sampled every 100 ms
// and at exit; and what the heap held right after each full collection (V8's GC profiler), whose
// highest value is what the process keeps: a heap V8 sized for a longer run shows in the peaks, not
// there.
const fs = require('node:fs');
const v8 = require('node:v8');
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
  const collections = new v8.GCProfiler();
  collections.start();
  setInterval(sample, SAMPLE_MS).unref();
  process.on('exit', () => {
    sample();
    const full = collections.stop().statistics.filter((gc) => gc.gcType === 'MarkSweepCompact');
    const keptAfterFull = full.length > 0 ? Math.max(...full.map((gc) => gc.afterGC.heapStatistics.usedHeapSize)) : null;
    fs.writeFileSync(target, JSON.stringify({ peakRss: peakRssBytes(), heap: { ...peaks, keptAfterFull, fullCollections: full.length } }));
  });
}
