import { VERSION as SDK_VERSION } from '@anthropic-ai/sdk/version';

/*
 * Which `anthropic-version` an SDK sends, and what that version removed (reference §0). The SDK
 * majors released on 2026-10-21 send the new version by default; older majors keep 2023-06-01.
 */

export const API_VERSION_2023 = '2023-06-01';
export const API_VERSION_2026 = '2026-10-21';

/** Sampling parameters that are a 400 under 2026-10-21 (even at their default value). */
export const REMOVED_PARAMETERS = ['temperature', 'top_p', 'top_k'] as const;
export type RemovedParameter = (typeof REMOVED_PARAMETERS)[number];

export type SdkLanguage = 'typescript' | 'python' | 'go' | 'java' | 'csharp' | 'php' | 'ruby';

/** The first major of each official SDK that sends 2026-10-21 (TypeScript 1.0.0, Python 2.0.0, …). */
export const FIRST_MAJOR_SENDING_2026: Readonly<Record<SdkLanguage, number>> = {
  typescript: 1,
  python: 2,
  go: 2,
  java: 3,
  csharp: 13,
  php: 1,
  ruby: 2,
};

/** The major of a version such as `1.17.0`, `v2.0.1` or `2`; undefined when there is none. */
export function majorOf(version: string): number | undefined {
  const match = /^\s*v?(\d+)(?:\.|$|\s|-)/.exec(version);
  return match ? Number(match[1]) : undefined;
}

/** The `anthropic-version` an SDK of this language and version sends by default; undefined when the version is unknown. */
export function apiVersionForSdk(language: SdkLanguage, version: string | undefined): string | undefined {
  if (version === undefined) return undefined;
  const major = majorOf(version);
  if (major === undefined) return undefined;
  return major >= FIRST_MAJOR_SENDING_2026[language] ? API_VERSION_2026 : API_VERSION_2023;
}

/** The version of `@anthropic-ai/sdk` Batchlens ships with. */
export const BATCHLENS_SDK_VERSION: string = SDK_VERSION;

/** The `anthropic-version` every request Batchlens makes carries (the SDK's default). */
export const BATCHLENS_API_VERSION: string = apiVersionForSdk('typescript', BATCHLENS_SDK_VERSION) ?? API_VERSION_2023;

/** Whether a request under `apiVersion` may not carry the removed sampling parameters or the old block shapes. */
export function isStrictVersion(apiVersion: string): boolean {
  return apiVersion >= API_VERSION_2026;
}
