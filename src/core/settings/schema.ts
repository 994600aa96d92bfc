/**
 * Every `batchlens.*` setting once: its key, type, default and limits. The editor (`host/config.ts`)
 * and the CLI (`cli/workspaceSettings.ts`) both validate through `readSetting`, and a unit test holds
 * package.json's `contributes.configuration` to this table (keys, types, defaults, enums, limits), so
 * the Settings editor, the extension and the CLI cannot drift apart. Pure data (no `vscode`).
 */
import type { RuleCode } from '../analysis/ruleRegistry';
import { RULE_CODES } from '../analysis/ruleRegistry';
import type { ModelOverrides } from '../pricing/overrides';

/** Every prefix a setting key is declared under. */
export const SETTINGS_SECTION = 'batchlens';

/** The model that prices a prompt whose code names none (and the default of `batchlens.defaultModel`). */
export const DEFAULT_MODEL = 'claude-sonnet-4-6';

export type ResultsLocation = 'store' | 'besideSource';

/** The value each setting has after validation (what the editor and the CLI act on). */
export interface SettingValues {
  defaultModel: string;
  modelOverrides: ModelOverrides;
  usResidency: boolean;
  apiBaseUrl: string;
  apiTimeoutSeconds: number;
  workspaceId: string;
  exactTokenCounts: boolean;
  'lens.enabled': boolean;
  'lens.includeTests': boolean;
  'hints.enabled': boolean;
  'lint.enabled': boolean;
  'lint.disabledRules': RuleCode[];
  'lint.reportUnknownValues': boolean;
  exclude: string[];
  maxFileBytes: number;
  confirmAboveUsd: number;
  maxRequestsPerBatch: number;
  defaultTemplate: string;
  'results.location': ResultsLocation;
  'results.openSideBySide': boolean;
  'poll.maxIntervalSeconds': number;
}

/** A setting key without its `batchlens.` prefix, e.g. `lint.disabledRules`. */
export type SettingKey = keyof SettingValues;
/** A full setting id, e.g. `batchlens.lint.disabledRules`. */
export type SettingId = `batchlens.${SettingKey}`;

export function settingId(key: SettingKey): SettingId {
  return `${SETTINGS_SECTION}.${key}`;
}

interface Described {
  /** How the valid values read in a warning: `ignored … (expected ${expected})`. */
  readonly expected: string;
}
export interface StringSpec extends Described {
  readonly type: 'string';
  readonly default: string;
  readonly enum?: readonly string[];
  /** A regular expression the (trimmed) value must match, as package.json declares it. */
  readonly pattern?: string;
}
export interface BooleanSpec extends Described {
  readonly type: 'boolean';
  readonly default: boolean;
}
export interface NumberSpec extends Described {
  readonly type: 'number';
  readonly default: number;
  readonly minimum?: number;
  readonly maximum?: number;
  /** A count: only whole numbers are valid (package.json still declares `number`). */
  readonly integer?: boolean;
}
export interface StringArraySpec extends Described {
  readonly type: 'array';
  readonly default: readonly string[];
  /** The allowed items, when the list picks from a fixed set. */
  readonly itemEnum?: readonly string[];
}
export interface ObjectSpec extends Described {
  readonly type: 'object';
  readonly default: Readonly<Record<string, never>>;
}
export type SettingSpec = StringSpec | BooleanSpec | NumberSpec | StringArraySpec | ObjectSpec;

const BOOLEAN = 'true or false';

/** The schema, in the order (and titled sections) package.json declares it. */
export const SETTINGS_SCHEMA: { readonly [K in SettingKey]: SettingSpec } = {
  // Models and prices
  defaultModel: { type: 'string', default: DEFAULT_MODEL, expected: 'a model id' },
  modelOverrides: { type: 'object', default: {}, expected: 'an object of model ids' },
  usResidency: { type: 'boolean', default: false, expected: BOOLEAN },
  // API
  apiBaseUrl: { type: 'string', default: '', expected: 'a URL' },
  apiTimeoutSeconds: { type: 'number', default: 120, minimum: 1, maximum: 3600, expected: 'a number of seconds from 1 to 3600' },
  workspaceId: { type: 'string', default: '', pattern: '^([A-Za-z0-9_-]{1,128})?$', expected: 'a workspace id (wrkspc_...)' },
  exactTokenCounts: { type: 'boolean', default: true, expected: BOOLEAN },
  // Prompt cost lens
  'lens.enabled': { type: 'boolean', default: true, expected: BOOLEAN },
  'lens.includeTests': { type: 'boolean', default: false, expected: BOOLEAN },
  'hints.enabled': { type: 'boolean', default: true, expected: BOOLEAN },
  // Cache lint
  'lint.enabled': { type: 'boolean', default: true, expected: BOOLEAN },
  'lint.disabledRules': { type: 'array', default: [], itemEnum: RULE_CODES, expected: 'an array of rule codes such as "BL003"' },
  'lint.reportUnknownValues': { type: 'boolean', default: false, expected: BOOLEAN },
  // Batch submission
  exclude: { type: 'array', default: [], expected: 'an array of glob patterns' },
  maxFileBytes: { type: 'number', default: 1_000_000, minimum: 1, integer: true, expected: 'a positive whole number' },
  confirmAboveUsd: { type: 'number', default: 1, minimum: 0, expected: 'an amount in USD, 0 or more' },
  maxRequestsPerBatch: { type: 'number', default: 100_000, minimum: 1, maximum: 100_000, integer: true, expected: 'a whole number from 1 to 100000' },
  defaultTemplate: { type: 'string', default: 'summarize', expected: 'a template name' },
  // Batch tracker
  'results.location': { type: 'string', default: 'store', enum: ['store', 'besideSource'], expected: '"store" or "besideSource"' },
  'results.openSideBySide': { type: 'boolean', default: true, expected: BOOLEAN },
  'poll.maxIntervalSeconds': { type: 'number', default: 300, minimum: 10, expected: 'a number of seconds, 10 or more' },
};

export const SETTING_KEYS = Object.keys(SETTINGS_SCHEMA) as SettingKey[];
