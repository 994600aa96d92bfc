import { strict as assert } from 'node:assert';
import { CATALOG_AS_OF, currentModels } from '../../../../src/core/pricing/catalog';
import { buildPriceTable, formatUsdPerMTok, renderPriceTableMarkdown, renderPriceTableText } from '../../../../src/core/pricing/priceTable';

describe('pricing price table', () => {
  it('has one row per current model, two for Haiku 5.5\'s bands, with stacked batch read prices', () => {
    const table = buildPriceTable();
    assert.equal(table.rows.length, currentModels().length + 1);
    assert.equal(table.asOf, CATALOG_AS_OF);
    const sonnet = table.rows.find((row) => row.modelId === 'claude-sonnet-4-6');
    assert.deepEqual(
      sonnet && [sonnet.inputUsdPerMTok, sonnet.batchInputUsdPerMTok, sonnet.batchOutputUsdPerMTok, sonnet.cacheReadUsdPerMTok, sonnet.batchCacheReadUsdPerMTok],
      [3, 1.5, 7.5, 0.3, 0.15],
    );
    const haiku = table.rows.filter((row) => row.modelId === 'claude-haiku-5-5');
    assert.deepEqual(haiku.map((row) => [row.band, row.inputUsdPerMTok]), [['prompt ≤ 100k', 0.1], ['prompt > 100k', 0.5]]);
  });

  it('lists retired models only when asked, and applies US residency to every column', () => {
    assert.ok(!buildPriceTable().rows.some((row) => row.retired));
    assert.ok(buildPriceTable({ includeRetired: true }).rows.some((row) => row.modelId === 'claude-opus-4-1-20250805' && row.retired === '2026-08-05'));
    const row = buildPriceTable({ usResidency: true }).rows.find((candidate) => candidate.modelId === 'claude-sonnet-4-6');
    assert.deepEqual(row && [row.inputUsdPerMTok, row.batchCacheReadUsdPerMTok], [3.3, 0.165]);
  });

  it('renders Markdown with a header, every model id, prices and the as-of date', () => {
    const markdown = renderPriceTableMarkdown();
    assert.match(markdown, /\| Model \| Id \| Input \| Output \| Batch in \| Batch out \| 5m write \| 1h write \| Cache read \| Batch read \|/);
    assert.match(markdown, /\| Sonnet 4\.6 \| `claude-sonnet-4-6` \| \$3\.00 \| \$15\.00 \| \$1\.50 \| \$7\.50 \| \$3\.75 \| \$6\.00 \| \$0\.30 \| \$0\.15 \|/);
    assert.match(markdown, new RegExp(`as of ${CATALOG_AS_OF}`));
    assert.match(markdown, /\| Sonnet 5\.5 † \| `claude-sonnet-5-5` \|/);
    assert.match(markdown, /\| Opus 5\.5 \| `claude-opus-5-5` \|/, 'official figures carry no mark');
    assert.match(markdown, /\| Opus 4\.5 \(deprecated, retires 2027-01-22\) \|/);
    assert.match(markdown, /† unverified \(third-party sources only\): .*Sonnet 5\.5: cache read/);
  });

  it('prices each row with the rates in force on the table\'s date', () => {
    const read = (date: string) => buildPriceTable({ date }).rows.find((row) => row.modelId === 'claude-sonnet-5-5')!.cacheReadUsdPerMTok;
    assert.deepEqual([read('2026-10-06'), read('2026-10-07')], [0.2, 0.1]);
    assert.ok(buildPriceTable({ date: '2026-11-29' }).rows.some((row) => row.modelId === 'claude-sonnet-4-5-20250929'));
    assert.ok(!buildPriceTable({ date: '2026-11-30' }).rows.some((row) => row.modelId === 'claude-sonnet-4-5-20250929'));
  });

  it('renders aligned plain text for the CLI', () => {
    const lines = renderPriceTableText().split('\n');
    assert.match(lines[0]!, /^Model\s+Id\s+Input\s+Output/);
    const sonnet = lines.find((line) => line.includes('claude-sonnet-4-6'));
    assert.match(sonnet ?? '', /\$3\.00\s+\$15\.00\s+\$1\.50\s+\$7\.50\s+\$3\.75\s+\$6\.00\s+\$0\.30\s+\$0\.15$/);
    assert.equal(lines[0]!.indexOf('Id'), sonnet!.indexOf('claude-sonnet-4-6'));
  });

  const rates: Array<[number, string]> = [
    [3, '$3.00'],
    [0.3, '$0.30'],
    [0.0125, '$0.0125'],
    [0.005, '$0.005'],
    [1875, '$1,875.00'],
  ];
  for (const [usd, text] of rates) {
    it(`shows a rate of ${usd} per MTok as ${text}`, () => {
      assert.equal(formatUsdPerMTok(usd), text);
    });
  }
});
