/**
 * A list of numbers that only grows, kept in a Float64Array (8 bytes a number, outside the JavaScript
 * heap) for per-row figures of a large job (bytes, token counts): a plain array of 100,000 numbers
 * is regrown in V8's old generation several times on its way there. `values()` is a view of the
 * numbers added so far: an `ArrayLike<number>` with the usual array methods, valid until the next `push`.
 */
export class NumberList {
  private store = new Float64Array(1024);
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count === this.store.length) {
      const bigger = new Float64Array(this.store.length * 2);
      bigger.set(this.store);
      this.store = bigger;
    }
    this.store[this.count++] = value;
  }

  /** The numbers added so far (a view, not a copy). */
  values(): Float64Array {
    return this.store.subarray(0, this.count);
  }
}
