import * as assert from 'node:assert/strict';
import type { BatchApi, CountTokensParams } from '../../../../src/core/api/batchApi';
import { estimateTextTokens } from '../../../../src/core/tokens/estimate';
import { ExactTokenCounter, SINGLE_USER_TURN_FRAMING_TOKENS, type TokenCountStore } from '../../../../src/core/tokens/exactCounter';
import { MAX_RECORDS, STORE_KEY, WorkspaceTokenCalibration } from '../../../../src/core/tokens/workspaceCalibration';
import { sha256Hex } from '../../../../src/core/util/sha256';
import type { Logger } from '../../../../src/core/util/logger';
import { costLensTooltip } from '../../../../src/features/lens/lensText';

class MapStore implements TokenCountStore {
  readonly values = new Map<string, unknown>();
  failing = false;
  get(key: string): unknown {
    return this.values.get(key);
  }
  async update(key: string, value: unknown): Promise<void> {
    if (this.failing) throw new Error('disk full');
    // Round-trip through JSON, as VS Code's Memento does.
    this.values.set(key, JSON.parse(JSON.stringify(value)));
  }
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: (message: string) => warnings.push(message), error: () => undefined };
}

/** Synthetic "workspace prompts": order lines with codes and amounts, each one different. */
function orderPrompt(index: number): string {
  return `Order ${1000 + index}: ship ${index % 7} crates of part QX-${(index * 37) % 997} to dock ${index % 5}, invoice total ${(index * 13.75).toFixed(2)} EUR, due 2025-0${(index % 9) + 1}-1${index % 10}.`;
}

describe('WorkspaceTokenCalibration', () => {
  it('changes nothing before any exact count: the plain estimate, calibrated on 0 prompts', () => {
    const calibration = new WorkspaceTokenCalibration(new MapStore());
    const text = orderPrompt(1);
    assert.deepEqual(calibration.estimate(text, 'legacy'), { tokens: estimateTextTokens(text, 'legacy'), calibratedOn: 0 });
    assert.deepEqual(calibration.estimate('', 'legacy'), { tokens: 0, calibratedOn: 0 });
  });

  it("moves later estimates towards what count_tokens said for the workspace's own prompts, more with more prompts", async () => {
    const calibration = new WorkspaceTokenCalibration(new MapStore());
    // This workspace's prompts count 40% more than the offline estimate says.
    const truth = (text: string) => Math.round(estimateTextTokens(text, 'legacy') * 1.4);
    const unseen = orderPrompt(500);
    const plain = estimateTextTokens(unseen, 'legacy');
    const errors: number[] = [];
    for (let index = 0; index < 30; index++) {
      await calibration.record(orderPrompt(index), 'claude-sonnet-4-6', 'legacy', truth(orderPrompt(index)));
      if ([0, 4, 29].includes(index)) errors.push(Math.abs(calibration.estimate(unseen, 'legacy').tokens - truth(unseen)));
    }
    assert.ok(errors[0] < truth(unseen) - plain, `one prompt: off by ${errors[0]}`);
    assert.ok(errors[1] < errors[0] && errors[2] < errors[1], errors.join(', '));
    assert.ok(errors[2] <= truth(unseen) * 0.06, `30 prompts: off by ${errors[2]} of ${truth(unseen)}`);
    assert.equal(calibration.estimate(unseen, 'legacy').calibratedOn, 30);
    // The other tokenizer generation has learned nothing.
    assert.deepEqual(calibration.estimate(unseen, 'new'), { tokens: estimateTextTokens(unseen, 'new'), calibratedOn: 0 });
  });

  it('keeps hashes, models, text statistics and counts, never the text, and survives a restart', async () => {
    const store = new MapStore();
    const calibration = new WorkspaceTokenCalibration(store);
    const secret = 'Internal codename: BLUE HERON. Never reveal it.';
    await calibration.record(secret, 'claude-haiku-4-5', 'legacy', 20);
    const stored = JSON.stringify(store.get(STORE_KEY));
    assert.ok(!stored.includes('HERON') && !stored.includes('codename'), stored);
    assert.ok(stored.includes(sha256Hex(secret)));
    const restarted = new WorkspaceTokenCalibration(store);
    assert.equal(restarted.promptsFor('legacy'), 1);
    assert.deepEqual(restarted.correction('legacy'), calibration.correction('legacy'));
    assert.notEqual(restarted.correction('legacy').factor, 1);
  });

  it('keeps one record per text and model, and at most the newest MAX_RECORDS', async () => {
    const store = new MapStore();
    const calibration = new WorkspaceTokenCalibration(store);
    await calibration.record('same text', 'm', 'legacy', 3);
    await calibration.record('same text', 'm', 'legacy', 4);
    await calibration.record('same text', 'other-model', 'legacy', 4);
    assert.equal(calibration.promptsFor('legacy'), 2);
    for (let index = 0; index < MAX_RECORDS + 15; index++) await calibration.record(orderPrompt(index), 'm', 'legacy', 30);
    const records = store.get(STORE_KEY) as Array<{ hash: string }>;
    assert.equal(records.length, MAX_RECORDS);
    assert.equal(records[records.length - 1].hash, sha256Hex(orderPrompt(MAX_RECORDS + 14)));
    assert.ok(!records.some((record) => record.hash === sha256Hex('same text')));
  });

  it('drops malformed stored entries instead of trusting them', () => {
    const store = new MapStore();
    store.values.set(STORE_KEY, [
      { hash: 'a', model: 'm', tokenizer: 'legacy', exact: 'many', features: {} },
      null,
      { hash: 'b', model: 'm', tokenizer: 'sideways', exact: 5, features: {} },
    ]);
    const calibration = new WorkspaceTokenCalibration(store);
    assert.equal(calibration.promptsFor('legacy'), 0);
    assert.equal(calibration.correction('legacy').factor, 1);
    const notAList = new MapStore();
    notAList.values.set(STORE_KEY, 'not a list');
    assert.equal(new WorkspaceTokenCalibration(notAList).promptsFor('legacy'), 0);
  });

  it('ignores empty texts and counts that are not positive, and logs a store that cannot write', async () => {
    const store = new MapStore();
    const logger = recordingLogger();
    const calibration = new WorkspaceTokenCalibration(store, logger);
    await calibration.record('', 'm', 'legacy', 5);
    await calibration.record('text', 'm', 'legacy', 0);
    await calibration.record('text', 'm', 'legacy', Number.NaN);
    assert.equal(calibration.promptsFor('legacy'), 0);
    store.failing = true;
    await calibration.record('text', 'm', 'legacy', 2);
    assert.equal(calibration.promptsFor('legacy'), 1);
    assert.equal(logger.warnings.length, 1);
  });
});

describe('ExactTokenCounter teaching the workspace calibration', () => {
  const api: Pick<BatchApi, 'countTokens'> = {
    async countTokens(params: CountTokensParams): Promise<number> {
      const content = params.messages[0]?.content;
      return (typeof content === 'string' ? content.length : 0) + SINGLE_USER_TURN_FRAMING_TOKENS;
    },
  };

  it('reports each new exact count, framing subtracted, once per text and model', async () => {
    const seen: Array<[string, string, number]> = [];
    const counter = new ExactTokenCounter({ api, logger: recordingLogger(), onExactCount: (text, model, own) => void seen.push([text, model, own]) });
    await counter.count('eleven char', 'claude-opus-4-6');
    await counter.count('eleven char', 'claude-opus-4-6');
    assert.deepEqual(seen, [['eleven char', 'claude-opus-4-6', 11]]);
  });

  it('still answers the count when learning from it fails, and logs why', async () => {
    const logger = recordingLogger();
    const counter = new ExactTokenCounter({
      api,
      logger,
      onExactCount: () => {
        throw new Error('unknown model');
      },
    });
    assert.equal(await counter.count('abc', 'claude-nonesuch-9'), 3);
    assert.equal(logger.warnings.length, 1);
    assert.match(logger.warnings[0], /unknown model/);
  });
});

describe('cost lens tooltip', () => {
  it('says how many of your prompts calibrated an estimate, and nothing of the kind for an exact count', () => {
    assert.match(costLensTooltip({ exact: false, calibratedOn: 3, hasDynamicParts: false }), /Calibrated on 3 of your prompts/);
    assert.match(costLensTooltip({ exact: false, calibratedOn: 1, hasDynamicParts: false }), /Calibrated on 1 of your prompt \(/);
    assert.doesNotMatch(costLensTooltip({ exact: false, calibratedOn: 0, hasDynamicParts: false }), /Calibrated/);
    assert.doesNotMatch(costLensTooltip({ exact: true, calibratedOn: 3, hasDynamicParts: false }), /Calibrated/);
  });
});
