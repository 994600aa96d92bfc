import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import type { BatchCreateParams } from '@anthropic-ai/sdk/resources/messages/batches';
import { BatchApiError } from '../../../src/core/api/errors';
import { createEmulator, type Emulator, type EmulatorOptions } from '../../emulator/emulator';

export const TEST_KEY = 'sk-ant-test-key-0123456789';
export const START_MS = Date.parse('2026-11-22T10:00:00.000Z');
export const MODEL = 'claude-sonnet-4-6';

/** A clock the test moves by hand; the emulator never sees real time. */
export function manualClock(startMs = START_MS) {
  let now = startMs;
  return { now: () => now, set: (ms: number) => (now = ms) };
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return createEmulator({ clock: manualClock(), ...options });
}

/**
 * One emulator for the enclosing `describe`, on the real clock: started before its tests and closed
 * after them. Returns a getter (the emulator exists only once `before` has run).
 */
export function emulatorForSuite(options: EmulatorOptions = {}): () => Emulator {
  let emulator: Emulator | undefined;
  before(async () => {
    emulator = await createEmulator(options);
  });
  after(async () => {
    await emulator?.close();
  });
  return () => {
    assert.ok(emulator, 'the suite emulator is started in `before`');
    return emulator;
  };
}

export function sdkClient(emulator: Emulator, options: { maxRetries?: number; apiKey?: string } = {}): Anthropic {
  return new Anthropic({ baseURL: emulator.url, apiKey: options.apiKey ?? TEST_KEY, maxRetries: options.maxRetries ?? 2 });
}

export function userRequest(customId: string, text: string, extra: Record<string, unknown> = {}): BatchCreateParams.Request {
  return {
    custom_id: customId,
    params: { model: MODEL, max_tokens: 200, messages: [{ role: 'user', content: text }], ...extra },
  };
}

/** The BatchApiError `promise` rejects with (a test failure when it resolves or rejects with anything else). */
export async function failure(promise: Promise<unknown>): Promise<BatchApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof BatchApiError, `expected a BatchApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}
