/** Stops a subscription. Shaped like `vscode.Disposable` so features can push it to their subscriptions. */
export interface Subscription {
  dispose(): void;
}

/**
 * A minimal event source for the core (which cannot use `vscode.EventEmitter`). A listener that
 * throws is reported through `onListenerError` and never breaks the emitter or other listeners.
 */
export class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => undefined) {}

  /** Subscribes; the returned subscription removes the listener. */
  readonly event = (listener: (value: T) => void): Subscription => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
