import type { TokenizerGeneration } from '../pricing/modelEntry';
import {
  DEFAULT_ESTIMATOR_COEFFICIENTS,
  type EstimatorCoefficients,
  type FramingCoefficients,
  priceRequestFeatures,
} from './estimate';
import { type RequestFeatures, measureRequest } from './requestFeatures';
import type { BpeCounts } from './bpeCounter';
import type { HiddenPromptCoefficients } from './hiddenPrompts';
import { tokenizerForModel } from './tokenizerForModel';

/*
 * Measures the estimator against recorded request/usage pairs, refits its few fitted rates, and
 * cross-validates them. Used by `scripts/calibrate-tokens.ts` (the table in the README) and by the
 * unit tests (which assert on the same figures).
 */

/** One recorded exchange: the request body as sent and the usage the API returned. */
export interface CalibrationRow {
  source: string;
  model: string;
  request: unknown;
  usage: { input_tokens?: number; cache_creation_input_tokens?: number; cache_read_input_tokens?: number };
  notes?: string;
}

/** The prompt's true size: input + cache writes + cache reads. */
export function promptTotal(row: CalibrationRow): number {
  const usage = row.usage ?? {};
  return (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
}

/** The row's tokenizer: the `tokenizer=old|new` note when recorded, else the catalog's. */
export function rowTokenizer(row: CalibrationRow): TokenizerGeneration {
  const noted = /tokenizer=(old|new)/.exec(row.notes ?? '')?.[1];
  if (noted) return noted === 'new' ? 'new' : 'legacy';
  return tokenizerForModel(row.model);
}

/** Parses JSON Lines of calibration rows; blank lines are skipped. Throws on a line that is not JSON. */
export function parseCalibrationRows(text: string): CalibrationRow[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CalibrationRow);
}

function collectStrings(value: unknown, sink: string[]): void {
  if (typeof value === 'string') sink.push(value);
  else if (Array.isArray(value)) for (const item of value) collectStrings(item, sink);
  else if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) collectStrings(item, sink);
}

/** The naive baseline: characters of the prompt's text (system, message contents, tool JSON) / 4. */
export function charsOverFour(request: unknown): number {
  const body = (typeof request === 'object' && request !== null ? request : {}) as Record<string, unknown>;
  const strings: string[] = [];
  collectStrings(body.system, strings);
  if (Array.isArray(body.messages)) for (const message of body.messages) collectStrings((message as Record<string, unknown>)?.content, strings);
  const characters = strings.reduce((sum, text) => sum + text.length, 0) + (body.tools ? JSON.stringify(body.tools).length : 0);
  return Math.round(characters / 4);
}

/** One coefficient the calibration refits, with the value it is pulled towards when data is thin. */
export interface FittedCoefficient {
  /** A text rate or hidden-instruction size of one tokenizer generation, or a framing rate. */
  group: 'text' | 'hidden' | 'framing';
  /** For text and hidden rates: the tokenizer generation they apply to. */
  generation?: TokenizerGeneration;
  name: keyof BpeCounts | keyof FramingCoefficients | keyof HiddenPromptCoefficients;
  prior: number;
  /** The coefficient's natural size: a deviation of this much costs `PRIOR_PULL` in the objective. */
  scale: number;
}

/** The fitted coefficients, with priors set before looking at the rows (see their comments in the code). */
export const FITTED_COEFFICIENTS: readonly FittedCoefficient[] = [
  { group: 'text', generation: 'legacy', name: 'letterTokens', prior: 1, scale: 0.5 },
  { group: 'text', generation: 'legacy', name: 'digitTokens', prior: 1, scale: 0.5 },
  { group: 'text', generation: 'legacy', name: 'punctTokens', prior: 1, scale: 0.5 },
  { group: 'text', generation: 'legacy', name: 'spaceTokens', prior: 1, scale: 0.5 },
  { group: 'text', generation: 'legacy', name: 'digits', prior: 0, scale: 0.5 },
  { group: 'text', generation: 'legacy', name: 'runLetters', prior: 0.25, scale: 0.25 },
  { group: 'text', generation: 'legacy', name: 'longWordTokens', prior: 1, scale: 0.5 },
  { group: 'text', generation: 'new', name: 'letterTokens', prior: 1.3, scale: 0.5 },
  { group: 'text', generation: 'new', name: 'digitTokens', prior: 1.3, scale: 0.5 },
  { group: 'text', generation: 'new', name: 'punctTokens', prior: 1.3, scale: 0.5 },
  { group: 'text', generation: 'new', name: 'spaceTokens', prior: 1.3, scale: 0.5 },
  { group: 'text', generation: 'new', name: 'digits', prior: 0, scale: 0.5 },
  { group: 'text', generation: 'new', name: 'runLetters', prior: 0.333, scale: 0.25 },
  { group: 'text', generation: 'new', name: 'longWordTokens', prior: 1.3, scale: 0.5 },
  { group: 'framing', name: 'request', prior: 1, scale: 3 },
  { group: 'framing', name: 'messages', prior: 3, scale: 3 },
  { group: 'framing', name: 'assistantOpeners', prior: 3, scale: 3 },
  { group: 'framing', name: 'systemPrompts', prior: 2, scale: 3 },
  { group: 'framing', name: 'documents', prior: 10, scale: 10 },
  { group: 'framing', name: 'tools', prior: 10, scale: 10 },
  { group: 'framing', name: 'toolBlocks', prior: 10, scale: 10 },
  { group: 'framing', name: 'extraBlocks', prior: 1, scale: 3 },
  { group: 'framing', name: 'pdfPages', prior: 1600, scale: 500 },
  { group: 'hidden', generation: 'legacy', name: 'thinkingEnabled', prior: 29, scale: 30 },
  { group: 'hidden', generation: 'legacy', name: 'thinkingAdaptive', prior: 0, scale: 30 },
  { group: 'hidden', generation: 'legacy', name: 'outputFormats', prior: 100, scale: 100 },
  { group: 'hidden', generation: 'legacy', name: 'citationDocuments', prior: 500, scale: 500 },
  { group: 'hidden', generation: 'new', name: 'thinkingEnabled', prior: 29, scale: 30 },
  { group: 'hidden', generation: 'new', name: 'thinkingAdaptive', prior: 0, scale: 30 },
  { group: 'hidden', generation: 'new', name: 'outputFormats', prior: 130, scale: 100 },
  { group: 'hidden', generation: 'new', name: 'citationDocuments', prior: 650, scale: 500 },
];

/**
 * How strongly a coefficient is held at its prior: moving it by its whole `scale` costs as much as
 * 5 percentage points of one row's error, so a single row can move a coefficient only it informs,
 * and a row left out in cross-validation leaves it at the prior.
 */
const PRIOR_PULL = 0.05;
const FIT_ITERATIONS = 50;
/** Relative errors below 0.5% are treated as 0.5% when reweighting, so the iteration stays stable. */
const IRLS_FLOOR = 0.005;

/** The value of one fitted coefficient in `coefficients`. */
export function coefficientValue(coefficients: EstimatorCoefficients, fitted: FittedCoefficient): number {
  if (fitted.group === 'framing') return coefficients.framing[fitted.name as keyof FramingCoefficients];
  const generation = fitted.generation ?? 'legacy';
  return fitted.group === 'text'
    ? coefficients.text[generation][fitted.name as keyof BpeCounts]
    : coefficients.hidden[generation][fitted.name as keyof HiddenPromptCoefficients];
}

function withCoefficient(coefficients: EstimatorCoefficients, fitted: FittedCoefficient, value: number): EstimatorCoefficients {
  if (fitted.group === 'framing') return { ...coefficients, framing: { ...coefficients.framing, [fitted.name]: value } };
  const generation = fitted.generation ?? 'legacy';
  if (fitted.group === 'hidden') {
    return { ...coefficients, hidden: { ...coefficients.hidden, [generation]: { ...coefficients.hidden[generation], [fitted.name]: value } } };
  }
  return { ...coefficients, text: { ...coefficients.text, [generation]: { ...coefficients.text[generation], [fitted.name]: value } } };
}

/** How many tokens one unit of the coefficient adds to this row's estimate (the estimate is linear in it). */
function featureWeight(features: RequestFeatures, tokenizer: TokenizerGeneration, fitted: FittedCoefficient): number {
  if (fitted.group === 'framing') {
    if (fitted.name === 'request') return 1;
    return features.structure[fitted.name as keyof RequestFeatures['structure']];
  }
  if ((fitted.generation ?? 'legacy') !== tokenizer) return 0;
  if (fitted.group === 'hidden') return features.hidden[fitted.name as keyof HiddenPromptCoefficients];
  const name = fitted.name as keyof BpeCounts;
  return features.systemText[name] + features.messagesText[name] + features.toolsText[name];
}

export interface MeasuredRow {
  features: RequestFeatures;
  tokenizer: TokenizerGeneration;
  trueTokens: number;
}

function unroundedEstimate(row: MeasuredRow, coefficients: EstimatorCoefficients): number {
  // Rounding of the parts is ignored while fitting; its effect is below one token per part.
  return priceRequestFeatures(row.features, row.tokenizer, coefficients).inputTokens;
}

/** Solves the square system `matrix * x = vector` by Gaussian elimination with partial pivoting. */
function solveLinear(matrix: number[][], vector: number[]): number[] {
  const size = vector.length;
  const a = matrix.map((row, index) => [...row, vector[index]]);
  for (let column = 0; column < size; column++) {
    let pivot = column;
    for (let row = column + 1; row < size; row++) if (Math.abs(a[row][column]) > Math.abs(a[pivot][column])) pivot = row;
    [a[column], a[pivot]] = [a[pivot], a[column]];
    const divisor = a[column][column] || 1e-12;
    for (let row = 0; row < size; row++) {
      if (row === column) continue;
      const factor = a[row][column] / divisor;
      if (factor !== 0) for (let k = column; k <= size; k++) a[row][k] -= factor * a[column][k];
    }
  }
  return a.map((row, index) => row[size] / (row[index] || 1e-12));
}

/**
 * Minimizes the sum of |error| / true plus each free coefficient's pull to its prior, by
 * iteratively reweighted least squares: the estimate is linear in every fitted coefficient, so each
 * step is a small linear solve. The other coefficients keep their values in `start`.
 */
function fitFree(measured: readonly MeasuredRow[], start: EstimatorCoefficients, free: readonly FittedCoefficient[]): EstimatorCoefficients {
  let zeroed = start;
  for (const fitted of free) zeroed = withCoefficient(zeroed, fitted, 0);
  // estimate_i = fixed_i + sum_j theta_j * weight_ij
  const fixed = measured.map((row) => unroundedEstimate(row, zeroed));
  const weights = measured.map((row) => free.map((fitted) => featureWeight(row.features, row.tokenizer, fitted)));
  const size = free.length;
  let theta = free.map((fitted) => fitted.prior);
  for (let iteration = 0; iteration < FIT_ITERATIONS; iteration++) {
    const normal = Array.from({ length: size }, () => new Array<number>(size).fill(0));
    const right = new Array<number>(size).fill(0);
    measured.forEach((row, i) => {
      const estimate = fixed[i] + weights[i].reduce((sum, weight, j) => sum + weight * theta[j], 0);
      const relative = Math.abs(estimate - row.trueTokens) / row.trueTokens;
      // |r| / y  ~  r^2 / (y^2 * |r| / y): the usual IRLS weight for absolute error, floored.
      const w = 1 / (row.trueTokens * row.trueTokens * Math.max(relative, IRLS_FLOOR));
      for (let j = 0; j < size; j++) {
        right[j] += w * weights[i][j] * (row.trueTokens - fixed[i]);
        for (let k = 0; k < size; k++) normal[j][k] += w * weights[i][j] * weights[i][k];
      }
    });
    free.forEach((fitted, j) => {
      const deviation = Math.abs(theta[j] - fitted.prior) / fitted.scale;
      const w = PRIOR_PULL / (fitted.scale * fitted.scale * Math.max(deviation, IRLS_FLOOR));
      normal[j][j] += w;
      right[j] += w * fitted.prior;
    });
    theta = solveLinear(normal, right).map((value) => Math.max(0, value));
  }
  let coefficients = start;
  free.forEach((fitted, j) => {
    coefficients = withCoefficient(coefficients, fitted, theta[j]);
  });
  return coefficients;
}

/**
 * Refits the fitted coefficients on measured rows. Framing coefficients count whole marker tokens,
 * so after a joint fit they are rounded to integers and the text rates refit around them.
 */
export function fitMeasured(measured: readonly MeasuredRow[], start: EstimatorCoefficients = DEFAULT_ESTIMATOR_COEFFICIENTS): EstimatorCoefficients {
  let coefficients = fitFree(measured, start, FITTED_COEFFICIENTS);
  for (const fitted of FITTED_COEFFICIENTS) {
    if (fitted.group !== 'text') coefficients = withCoefficient(coefficients, fitted, Math.round(coefficientValue(coefficients, fitted)));
  }
  return fitFree(measured, coefficients, FITTED_COEFFICIENTS.filter((fitted) => fitted.group === 'text'));
}

/** Refits the fitted coefficients on `rows`. */
export function fitCoefficients(rows: readonly CalibrationRow[], start: EstimatorCoefficients = DEFAULT_ESTIMATOR_COEFFICIENTS): EstimatorCoefficients {
  return fitMeasured(rows.map(measureRow), start);
}

/** Measures a row once; fitting and scoring then reuse the counts. */
export function measureRow(row: CalibrationRow): MeasuredRow {
  return { features: measureRequest(row.request, row.model), tokenizer: rowTokenizer(row), trueTokens: promptTotal(row) };
}

/** One row's outcome under one estimator. */
export interface RowResult {
  index: number;
  model: string;
  kind: string;
  tokenizer: TokenizerGeneration;
  /** The row's `flags=` note, cut to the flags that change the prompt (tools, thinking, document-block, …). */
  flags: string[];
  trueTokens: number;
  estimated: number;
  /** (estimated - true) / true. */
  signedError: number;
}

export interface ErrorSummary {
  meanAbsError: number;
  medianAbsError: number;
  worst: RowResult;
  rows: RowResult[];
}

/** Flags in the notes that describe the recording, not the prompt. */
const RECORDING_FLAGS = /^(streamed|output also has|prompt-cache|count_tokens)/;

/** The prompt-shaping flags of a row's notes ("none" when there are none). */
export function rowFlags(row: CalibrationRow): string[] {
  const noted = /flags=([^;]*)/.exec(row.notes ?? '')?.[1] ?? '';
  const flags = noted
    .replace(/\([^)]*\)/g, '')
    .split(',')
    .map((flag) => flag.trim())
    .filter((flag) => flag !== '' && flag !== 'none' && !RECORDING_FLAGS.test(flag));
  return flags.length > 0 ? flags : ['none'];
}

/** Summarizes signed errors; `results` must not be empty. */
export function summarizeResults(results: RowResult[]): ErrorSummary {
  const meanAbsError = results.reduce((sum, result) => sum + Math.abs(result.signedError), 0) / results.length;
  const worst = results.reduce((a, b) => (Math.abs(b.signedError) > Math.abs(a.signedError) ? b : a));
  const sorted = results.map((result) => Math.abs(result.signedError)).sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const medianAbsError = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { meanAbsError, medianAbsError, worst, rows: results };
}

function summarize(rows: readonly CalibrationRow[], estimate: (row: CalibrationRow, index: number) => number): ErrorSummary {
  return summarizeResults(
    rows.map((row, index) => {
      const trueTokens = promptTotal(row);
      const estimated = estimate(row, index);
      return {
        index,
        model: row.model,
        kind: /kind=(\w+)/.exec(row.notes ?? '')?.[1] ?? '',
        tokenizer: rowTokenizer(row),
        flags: rowFlags(row),
        trueTokens,
        estimated,
        signedError: (estimated - trueTokens) / trueTokens,
      };
    }),
  );
}

/** The repository a row was recorded in: rows of one repository often share prompts, so they are left out together. */
export function repositoryOf(row: CalibrationRow): string {
  return (row.source ?? '').split(':')[0];
}

/** Everything the calibration script prints and the tests assert on. */
export interface CalibrationReport {
  /** The shipped coefficients, on every row (in-sample). */
  estimator: ErrorSummary;
  /** characters / 4, the naive baseline. */
  charsOverFour: ErrorSummary;
  /** Leave-one-out: each row predicted by coefficients refit on all the other rows. */
  leaveOneOut: ErrorSummary;
  /** Leave-one-source-out: rows from the same repository (often the same prompt) are left out together. */
  leaveOneSourceOut: ErrorSummary;
  /** The coefficients refit on every row (what the shipped ones were rounded from). */
  refit: EstimatorCoefficients;
}

/** Scores the estimator and the baseline on `rows` and cross-validates the fitted coefficients. */
export function calibrationReport(rows: readonly CalibrationRow[]): CalibrationReport {
  if (rows.length === 0) throw new Error('no calibration rows');
  const measured = rows.map(measureRow);
  const price = (index: number, coefficients?: EstimatorCoefficients): number =>
    priceRequestFeatures(measured[index].features, measured[index].tokenizer, coefficients).inputTokens;
  const estimator = summarize(rows, (_, index) => price(index));
  const baseline = summarize(rows, (row) => charsOverFour(row.request));
  const leaveOneOut = summarize(rows, (_, index) => price(index, fitMeasured(measured.filter((__, other) => other !== index))));
  const foldBySource = new Map<string, EstimatorCoefficients>();
  const leaveOneSourceOut = summarize(rows, (row, index) => {
    const source = repositoryOf(row);
    let coefficients = foldBySource.get(source);
    if (!coefficients) {
      coefficients = fitMeasured(measured.filter((_, other) => repositoryOf(rows[other]) !== source));
      foldBySource.set(source, coefficients);
    }
    return price(index, coefficients);
  });
  return { estimator, charsOverFour: baseline, leaveOneOut, leaveOneSourceOut, refit: fitMeasured(measured) };
}
