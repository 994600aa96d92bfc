import type { MessageBatchIndividualResponse, ResultsStreamOptions } from '../../../../../src/core/api/batchApi';
import type { UsageRecord } from '../../../../../src/core/jobs/jobModel';
import { FakeApiError } from './fakes';

export function succeeded(customId: string, text: string, usage: Partial<UsageRecord> = {}, model = 'claude-sonnet-4-6'): MessageBatchIndividualResponse {
  return {
    custom_id: customId,
    result: {
      type: 'succeeded',
      message: {
        id: `msg_${customId}`,
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text, citations: null }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: {
          input_tokens: 100,
          output_tokens: 20,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          cache_creation: null,
          server_tool_use: null,
          service_tier: 'batch',
          ...usage,
        },
      },
    },
  } as unknown as MessageBatchIndividualResponse;
}

export function errored(customId: string, type: string, message: string): MessageBatchIndividualResponse {
  return {
    custom_id: customId,
    result: { type: 'errored', error: { type: 'error', error: { type, message }, request_id: null } },
  } as unknown as MessageBatchIndividualResponse;
}

export function ended(customId: string, type: 'canceled' | 'expired'): MessageBatchIndividualResponse {
  return { custom_id: customId, result: { type } } as MessageBatchIndividualResponse;
}

/**
 * A results stream over `lines` that honours `resumeFrom`, and is cut (rejecting like BatchApiError with a
 * cursor) after delivering `cutAfter[n]` lines in total on the n-th call.
 */
export function scriptedResults(lines: MessageBatchIndividualResponse[], cutAfter: number[] = []) {
  const resumedFrom: number[] = [];
  let call = 0;
  const impl = (_id: string, options: ResultsStreamOptions | undefined): AsyncIterable<MessageBatchIndividualResponse> => {
    const start = options?.resumeFrom?.linesDelivered ?? 0;
    const cut = cutAfter[call];
    call += 1;
    resumedFrom.push(start);
    return (async function* () {
      for (let i = start; i < lines.length; i++) {
        if (cut !== undefined && i >= cut) {
          throw new FakeApiError('stream cut mid-line', 'connection', undefined, { linesDelivered: i });
        }
        yield lines[i];
      }
    })();
  };
  return { impl, resumedFrom };
}
