/**
 * `npm run safety:tables`: runs the fault suite (the CLI against the emulator behind the fault
 * proxy, plus kill -9 at named points) and the bad-input cases, and prints both as Markdown tables,
 * the ones the README shows. The same scenarios run in the unit suite (test/safety/*.test.ts).
 */
import { runBadInputCases } from '../test/safety/badInputs';
import { runFaultScenarios } from '../test/safety/faultScenarios';

/** Run-specific ids and temp folders are replaced so the table reads the same on every run. */
const cell = (text: string) =>
  text
    .replace(/msgbatch_[0-9A-Za-z]+/g, 'msgbatch_…')
    .replace(/job_[0-9A-Za-z_]+/g, 'job_…')
    .replace(/\/\S*bl-badinput-[^/]+\//g, '<workspace>/')
    .replace(/\|/g, '\\|')
    .replace(/`/g, "'");

async function main(): Promise<void> {
  const faults = await runFaultScenarios();
  console.log('| fault | operation | lost jobs | duplicate batches | rows lost | rows duplicated | exit | message |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of faults) {
    const d = row.damage;
    console.log(`| ${cell(row.fault)} | ${row.operation} | ${d.lostJobs} | ${d.duplicateBatches} | ${d.rowsLost} | ${d.rowsDuplicated} | ${row.exitCode} | ${cell(row.message)} |`);
  }
  const badInputs = await runBadInputCases();
  console.log('');
  console.log('| # | bad input | command | exit | message | nothing sent | nothing lost |');
  console.log('|---|---|---|---|---|---|---|');
  badInputs.forEach((row, index) => {
    console.log(`| ${index + 1} | ${cell(row.name)} | \`${row.command}\` | ${row.exit} | ${cell(row.message)} | ${row.nothingSent ? 'yes' : 'NO'} | ${row.nothingLost ? 'yes' : 'NO'} |`);
  });
  const problems = [...faults.flatMap((row) => row.problems), ...badInputs.flatMap((row) => row.problems)];
  if (problems.length > 0) {
    console.error(`\n${problems.length} expectation(s) failed:\n${problems.join('\n')}`);
    process.exitCode = 1;
  }
}

void main();
