import type { LifecycleState, ModelEntry, ModelLifecycle } from './modelEntry';

/** A model's lifecycle on one day: the state and the dates that make it so. */
export interface LifecycleOnDate {
  state: LifecycleState;
  deprecatedOn?: string;
  retiresOn?: string;
  successor?: string;
  source: string;
  asOf: string;
}

/**
 * The state on `date` (ISO): retired once `retiresOn` has come; deprecated from the announcement
 * (`deprecatedOn`), or, when that day is not known, whenever a retirement date is; otherwise the base
 * state (active or legacy).
 */
export function lifecycleAt(lifecycle: ModelLifecycle, date: string): LifecycleOnDate {
  const { base, deprecatedOn, retiresOn, successor, source, asOf } = lifecycle;
  let state: LifecycleState = base;
  if (retiresOn !== undefined && retiresOn <= date) state = 'retired';
  else if (deprecatedOn !== undefined ? deprecatedOn <= date : retiresOn !== undefined) state = 'deprecated';
  const facts: LifecycleOnDate = { state, source, asOf };
  if (deprecatedOn) facts.deprecatedOn = deprecatedOn;
  if (retiresOn) facts.retiresOn = retiresOn;
  if (successor) facts.successor = successor;
  return facts;
}

/** The entry's lifecycle on `date`. */
export function modelLifecycleAt(entry: ModelEntry, date: string): LifecycleOnDate {
  return lifecycleAt(entry.lifecycle, date);
}

/** "retired 2026-11-30", "deprecated, retires 2027-01-22", "legacy", "active". */
export function describeLifecycle(facts: LifecycleOnDate): string {
  switch (facts.state) {
    case 'retired':
      return `retired ${facts.retiresOn}`;
    case 'deprecated':
      return facts.retiresOn ? `deprecated, retires ${facts.retiresOn}` : 'deprecated';
    default:
      return facts.state;
  }
}
