// The plain-script floors of the scale bench, in plain Node (no tsx), doing the same work as each
// Batchlens step with nothing else: no store, no locks, no checks. One mode per run; prints one JSON
// line with the peak RSS (bytes) and whatever the mode found, so the bench can check the work was done.
//
//   prepare <root> <folder,...>             walk + read + build request objects + one JSON.stringify per body
//   submit <root> <folder,...> <baseUrl>    the same, then POST the body to the emulator (split into batches
//                                           only when the API would refuse it as one)
//   status <jobFile> <baseUrl> <batchId>    read + JSON.parse the job file, GET the batch
//   list <jobsDir>                          read + JSON.parse every job file
//   results <baseUrl> <batchId,...> <outDir> <jobFile>
//                                           download each batch's results to a file, then split + JSON.parse,
//                                           one writeFile per succeeded row at the path the job's output pattern
//                                           names (a mkdir per new folder), as the CLI writes them
//   savings <jobFile>                       read + JSON.parse the job file, sum each row's usage
const fs = require('node:fs');
const path = require('node:path');
const { peakRssBytes } = require('./processPeakRss.cjs');

const MODEL = 'claude-sonnet-4-6';
const MAX_BATCH_REQUESTS = 100000;
const MAX_BATCH_BYTES = 256 * 1024 * 1024;
const HEADERS = { 'x-api-key': process.env.ANTHROPIC_API_KEY || '', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' };

function walkAndBuild(root, folders) {
  const requests = [];
  const system = [{ type: 'text', text: 'Summarize the file.', cache_control: { type: 'ephemeral' } }];
  const walk = (relative) => {
    for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && entry.name.endsWith('.ts')) {
        const content = fs.readFileSync(path.join(root, child), 'utf8');
        requests.push({
          custom_id: `r${requests.length}`,
          params: { model: MODEL, max_tokens: 1024, system, messages: [{ role: 'user', content: `File: ${child}\n\n<file>\n${content}\n</file>` }] },
        });
      }
    }
  };
  for (const folder of folders) walk(folder);
  return requests;
}

/**
 * The bodies to send: the whole one when the API takes it as one batch, else one per batch it takes
 * (at most 100,000 requests and 256 MB each), as any script must split a larger job.
 */
function batchBodies(requests, whole) {
  if (requests.length <= MAX_BATCH_REQUESTS && Buffer.byteLength(whole) <= MAX_BATCH_BYTES) return [whole];
  const bodies = [];
  let start = 0;
  let bytes = 0;
  for (let end = 0; end < requests.length; end++) {
    const size = Buffer.byteLength(JSON.stringify(requests[end])) + 1;
    if (end - start === MAX_BATCH_REQUESTS || bytes + size > MAX_BATCH_BYTES - 64) {
      bodies.push(JSON.stringify({ requests: requests.slice(start, end) }));
      start = end;
      bytes = 0;
    }
    bytes += size;
  }
  bodies.push(JSON.stringify({ requests: requests.slice(start) }));
  return bodies;
}

async function main() {
  const [mode, ...args] = process.argv.slice(2);
  let found;
  if (mode === 'prepare' || mode === 'submit') {
    const requests = walkAndBuild(args[0], args[1].split(','));
    const whole = JSON.stringify({ requests });
    found = { requests: requests.length, bodyBytes: Buffer.byteLength(whole) };
    if (mode === 'submit') {
      found.batchIds = [];
      for (const body of batchBodies(requests, whole)) {
        const response = await fetch(`${args[2]}/v1/messages/batches`, { method: 'POST', headers: HEADERS, body });
        if (!response.ok) throw new Error(`create: HTTP ${response.status} ${await response.text()}`);
        found.batchIds.push((await response.json()).id);
      }
      found.batchId = found.batchIds[0];
    }
  } else if (mode === 'status') {
    const job = JSON.parse(fs.readFileSync(args[0], 'utf8'));
    const response = await fetch(`${args[1]}/v1/messages/batches/${args[2]}`, { headers: HEADERS });
    found = { rows: job.manifest.length, status: (await response.json()).processing_status };
  } else if (mode === 'list') {
    let rows = 0;
    for (const name of fs.readdirSync(args[0])) if (name.endsWith('.json')) rows += JSON.parse(fs.readFileSync(path.join(args[0], name), 'utf8')).manifest.length;
    found = { rows };
  } else if (mode === 'results') {
    const [baseUrl, batchIds, outDir, jobFile] = args;
    // The job file's manifest says where each row's output goes: the same files the CLI writes.
    const job = JSON.parse(fs.readFileSync(jobFile, 'utf8'));
    const pattern = job.template.outputPattern || '{{file.path}}.md';
    const target = new Map(job.manifest.map((entry) => [entry.customId, pattern.split('{{file.path}}').join(entry.relativePath)]));
    fs.mkdirSync(outDir, { recursive: true });
    const made = new Set();
    let written = 0;
    for (const batchId of batchIds.split(',')) {
      const response = await fetch(`${baseUrl}/v1/messages/batches/${batchId}/results`, { headers: HEADERS });
      if (!response.ok || !response.body) throw new Error(`results: HTTP ${response.status}`);
      const file = path.join(outDir, `${batchId}.jsonl`);
      const out = fs.openSync(file, 'w');
      for await (const chunk of response.body) fs.writeSync(out, chunk);
      fs.closeSync(out);
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (!line) continue;
        const row = JSON.parse(line);
        if (row.result.type !== 'succeeded') continue;
        const output = path.join(outDir, target.get(row.custom_id));
        const folder = path.dirname(output);
        if (!made.has(folder)) {
          fs.mkdirSync(folder, { recursive: true });
          made.add(folder);
        }
        fs.writeFileSync(output, `${row.result.message.content.map((block) => block.text).join('\n\n')}\n`);
        written++;
      }
    }
    found = { written };
  } else if (mode === 'savings') {
    const job = JSON.parse(fs.readFileSync(args[0], 'utf8'));
    let input = 0;
    let output = 0;
    for (const attempts of Object.values(job.rows)) for (const attempt of attempts) if (attempt.usage) { input += attempt.usage.input_tokens; output += attempt.usage.output_tokens; }
    found = { input, output };
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  console.log(JSON.stringify({ ...found, peakRss: peakRssBytes() }));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exitCode = 1;
});
