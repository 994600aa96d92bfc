import type { CommandId } from '../../host/commandIds';
import vscode = require('vscode');
import { countableText } from '../../core/analysis/promptPricing';
import type { ModelEntry } from '../../core/pricing/modelEntry';
import { estimateTextTokens } from '../../core/tokens/estimate';
import type { WorkspaceTokenCalibration } from '../../core/tokens/workspaceCalibration';
import type { HostServices } from '../../host/services';
import type { PromptTokenCount } from '../prices/pricesMarkdown';

export type { PromptTokenCount };

export const CLEAR_TOKEN_COUNT_CACHE_COMMAND: CommandId = 'batchlens.clearTokenCountCache';

/** What this feature needs from an exact counter: a synchronous cache look-up and a background count. */
export interface ExactPromptCounter {
  /** The cached exact count, or undefined when none is known yet. */
  peek(text: string, modelId: string): number | undefined;
  /** Counts through the API (and caches); resolves to undefined when the API call failed. */
  count(text: string, modelId: string): Promise<number | undefined>;
}


/**
 * Token counts for the lens, its hover, the per-prompt table and (through `peekExact`) the cache
 * lint's numbers: one count per prompt text, exact when count_tokens has answered. Always answers at once: with the exact count
 * when one is cached, else with the offline estimate while (when a key is set and
 * `batchlens.exactTokenCounts` is on) an exact count is fetched in the background; its arrival
 * fires `onDidCountExactly`. A failed count is not retried for the same text and model.
 * In Restricted Mode no count is asked for (the lens shows estimates); trust granted later starts them.
 * Owns "Batchlens: Clear Token Count Cache".
 */
export class PromptTokenCounts implements vscode.Disposable {
  private readonly exactEmitter = new vscode.EventEmitter<void>();
  /** Fires when the exact counts known changed: one arrived, or the cache was cleared. */
  readonly onDidCountExactly = this.exactEmitter.event;
  private readonly inFlight = new Set<string>();
  private readonly failed = new Set<string>();
  private counter?: Promise<ExactPromptCounter | undefined>;
  private resolvedCounter?: ExactPromptCounter;
  /** Bumped when the counter is reset: answers from an older endpoint or key are then ignored. */
  private generation = 0;
  private readonly subscriptions: vscode.Disposable[];

  /**
   * `createExactCounter` resolves to undefined when no API key is set; it is asked again after the key
   * changes. `calibration`, when given, corrects estimates by the workspace's own exact counts.
   */
  constructor(
    private readonly services: HostServices,
    private readonly createExactCounter: () => Promise<ExactPromptCounter | undefined>,
    private readonly calibration?: WorkspaceTokenCalibration,
  ) {
    this.subscriptions = [
      services.apiKeys.onDidChange(() => this.resetCounter()),
      // Counting was off in Restricted Mode: with trust, redraw so the lens asks for exact counts.
      services.trust.onDidGrant(() => {
        this.resetCounter();
        this.exactEmitter.fire();
      }),
      services.commands.register({ [CLEAR_TOKEN_COUNT_CACHE_COMMAND]: () => this.clearCache() }),
    ];
  }

  /**
   * Forgets every exact count kept across restarts and in memory; the lens and lint show estimates
   * again until count_tokens answers anew. Resolves to how many counts were dropped.
   */
  async clearCache(): Promise<number> {
    const dropped = await this.services.tokenCountCache.clear();
    this.resetCounter();
    this.exactEmitter.fire();
    void vscode.window.showInformationMessage(
      `Batchlens: cleared ${dropped} cached token count${dropped === 1 ? '' : 's'}; prompts show estimates until they are counted again.`,
    );
    return dropped;
  }

  count(promptText: string, entry: ModelEntry): PromptTokenCount {
    const text = countableText(promptText);
    const learning = this.services.config.exactTokenCounts;
    const exact = learning ? this.exactOrRequest(text, entry.id) : undefined;
    if (exact !== undefined) {
      return { tokens: exact, exact: true };
    }
    if (learning && this.calibration) {
      const estimate = this.calibration.estimate(text, entry.tokenizer);
      return { tokens: estimate.tokens, exact: false, calibratedOn: estimate.calibratedOn };
    }
    return { tokens: estimateTextTokens(text, entry.tokenizer), exact: false };
  }

  /** The exact count already known for this text, without asking the API (undefined when none is). */
  peekExact(text: string, modelId: string): number | undefined {
    if (!this.services.config.exactTokenCounts) return undefined;
    return this.resolvedCounter?.peek(countableText(text), modelId);
  }

  /**
   * The figure `count` would show for this text, without asking the API: the exact count when known,
   * else the workspace-calibrated estimate; undefined when neither applies (the plain estimate answers).
   */
  peek(promptText: string, entry: ModelEntry): number | undefined {
    const exact = this.peekExact(promptText, entry.id);
    if (exact !== undefined) return exact;
    if (!this.services.config.exactTokenCounts || !this.calibration) return undefined;
    return this.calibration.estimate(countableText(promptText), entry.tokenizer).tokens;
  }

  /** Forgets the counter (the API base URL changed): the next count asks the new endpoint. */
  resetCounter(): void {
    this.generation += 1;
    this.counter = undefined;
    this.resolvedCounter = undefined;
    this.failed.clear();
    this.inFlight.clear();
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.exactEmitter.dispose();
  }

  private exactOrRequest(text: string, modelId: string): number | undefined {
    if (text.trim() === '') {
      return undefined;
    }
    const known = this.resolvedCounter?.peek(text, modelId);
    if (known !== undefined) {
      return known;
    }
    const key = `${modelId}\u0000${text}`;
    if (!this.failed.has(key) && !this.inFlight.has(key)) {
      this.inFlight.add(key);
      void this.requestExact(key, text, modelId);
    }
    return undefined;
  }

  private async requestExact(key: string, text: string, modelId: string): Promise<void> {
    const generation = this.generation;
    const current = () => generation === this.generation;
    try {
      this.counter ??= this.createExactCounter();
      const counter = await this.counter;
      if (!counter || !current()) {
        return;
      }
      this.resolvedCounter = counter;
      const counted = await counter.count(text, modelId);
      if (!current()) {
        // Asked of an endpoint or key that is no longer in use: the next render asks the new one.
        return;
      }
      if (counted === undefined) {
        // The counter logged why; keep the estimate for this text rather than asking again.
        this.failed.add(key);
      } else {
        this.exactEmitter.fire();
      }
    } catch (error) {
      if (current()) this.failed.add(key);
      this.services.log.warn(`Exact token count for a prompt on ${modelId} failed; showing the estimate`, error);
    } finally {
      if (current()) this.inFlight.delete(key);
    }
  }
}
