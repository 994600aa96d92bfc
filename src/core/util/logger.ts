/**
 * The log sink the core writes to. In the editor it is the "Batchlens" LogOutputChannel (whose level
 * the user sets from the Output panel); in the CLI it is stderr; in tests it is silent or recording.
 * Never pass an API key, or a header that carries one, to a logger.
 */
export interface Logger {
  trace(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string | Error, ...args: unknown[]): void;
}

export const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
