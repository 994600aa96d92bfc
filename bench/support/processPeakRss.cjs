// Peak resident set of this process, in bytes. On Linux this is VmHWM from /proc/self/status: the
// peak of this process's own address space. `process.resourceUsage().maxRSS` is not used there because
// Linux carries it over fork and exec: a child spawned by a 400 MB bench process reports at least 400 MB
// however little it uses itself. Elsewhere maxRSS (KiB) is all there is.
const fs = require('node:fs');

function peakRssBytes() {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // No /proc: fall back below.
  }
  return process.resourceUsage().maxRSS * 1024;
}

module.exports = { peakRssBytes };
