/**
 * A list of numbers that only grows, kept in a typed array (outside the JavaScript heap) for per-row
 * figures of a large job: a plain array of 100,000 numbers is regrown in V8's old generation several
 * times on its way there. `data` holds the numbers at `0..length-1` (read it directly in hot loops; it
 * is replaced when the list grows); `values()` is a view of them, valid until the next `push`.
 */
export class TypedList<T extends Int32Array | Float64Array> {
  data: T;
  length = 0;

  constructor(private readonly create: (size: number) => T) {
    this.data = create(1024);
  }

  /** Adds a number; returns its index. */
  push(value: number): number {
    if (this.length === this.data.length) {
      const grown = this.create(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length] = value;
    return this.length++;
  }

  /** The numbers added so far (a view, not a copy). */
  values(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/** Whole numbers below 2^31 (positions, indexes). */
export const int32List = (): TypedList<Int32Array> => new TypedList((size) => new Int32Array(size));

/** Any number, 8 bytes each (byte offsets past 2 GiB, token counts, sizes). */
export class NumberList extends TypedList<Float64Array> {
  constructor() {
    super((size) => new Float64Array(size));
  }
}
