import { EvrecError } from '@evrec/core';
import { DOT_SCAN_WASM_BASE64 } from './kernels/dot-scan.wasm.ts';

/** Which code computes a `VectorArena`'s dot products (both give bit-identical scores). */
export type VectorKernel = 'wasm-simd' | 'js';

export interface VectorArenaOptions {
  /**
   * `auto`: the WebAssembly SIMD kernel (kernels/dot-scan.wat) when the engine validates it and dims is
   * a multiple of 4, else the JS one. `js`: always the JS one (tests, benchmarks). Default `auto`.
   */
  kernel?: 'auto' | 'js';
  /**
   * Freed space is reused by later blocks that fit; when a block does not fit, the holes add up to
   * more than the live blocks and to at least this many bytes, live blocks are first moved down
   * (compaction) so the arena never grows past about twice its live data. Default 1 MiB.
   */
  minCompactBytes?: number;
}

/** A run of rows in one `VectorArena`, a handle: the arena may move the rows (compaction, resize). */
export interface VectorBlock {
  /** Rows of `dims` floats. */
  readonly rows: number;
}

/** Sizes of an arena (bytes). */
export interface VectorArenaStats {
  kernel: VectorKernel;
  /** Live blocks. */
  blocks: number;
  /** Bytes held by live blocks. */
  liveBytes: number;
  /** Freed bytes below the high-water mark, waiting for reuse or compaction. */
  freeBytes: number;
  /** High-water mark of the block heap (live + free); the scan scratch area sits above it. */
  heapBytes: number;
  /** Size of the underlying memory (it never shrinks). */
  memoryBytes: number;
  /** Times live blocks were moved down to close the holes. */
  compactions: number;
}

/** The slice of the WebAssembly JS API this file uses (the project's TS libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
}
interface DotScanExports {
  dots(vecs: number, rows: number, q: number, dims: number, out: number): void;
  dotsAt(vecs: number, idx: number, count: number, q: number, dims: number, out: number): void;
}

const PAGE = 65_536;
/** memory32: 65,536 pages of 64 KiB. */
const MAX_WASM_BYTES = 65_536 * PAGE;
const align16 = (n: number): number => (n + 15) & ~15;
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
let dotScanModule: object | null | undefined;

/** The compiled dot-scan module, or null where the engine rejects it (no WebAssembly, or no SIMD). */
function dotScan(): object | null {
  if (dotScanModule === undefined) {
    const bytes = new Uint8Array(Buffer.from(DOT_SCAN_WASM_BASE64, 'base64'));
    dotScanModule = wasmApi !== undefined && wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
  }
  return dotScanModule;
}

const fround = Math.fround;

/**
 * q · v in the kernel's arithmetic (see dot-scan.wat): lane j mod 4 accumulates the products, each
 * product and sum rounded to f32, lanes summed as (l0 + l2) + (l1 + l3). A product of two f32 is exact
 * in f64, and a sum of two f32 rounded once to f32 is the f32 sum, so this is bit-identical to f32x4.
 * `v` and `q` index `m`.
 */
function dotF32(m: Float32Array, v: number, q: number, dims: number): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let j = 0;
  for (; j + 4 <= dims; j += 4) {
    a0 = fround(a0 + fround(m[q + j] * m[v + j]));
    a1 = fround(a1 + fround(m[q + j + 1] * m[v + j + 1]));
    a2 = fround(a2 + fround(m[q + j + 2] * m[v + j + 2]));
    a3 = fround(a3 + fround(m[q + j + 3] * m[v + j + 3]));
  }
  // dims not a multiple of 4 (JS kernel only): the tail continues the same lanes.
  if (j < dims) a0 = fround(a0 + fround(m[q + j] * m[v + j]));
  if (j + 1 < dims) a1 = fround(a1 + fround(m[q + j + 1] * m[v + j + 1]));
  if (j + 2 < dims) a2 = fround(a2 + fround(m[q + j + 2] * m[v + j + 2]));
  return fround(fround(a0 + a2) + fround(a1 + a3));
}

class ArenaBlock implements VectorBlock {
  live = true;
  constructor(
    readonly arena: VectorArena,
    /** Byte offset in the arena's memory (changes on compaction and resize). */
    public offset: number,
    public rows: number,
    public bytes: number,
  ) {}
}

/**
 * Rows of `dims` f32 in one growable memory (a WebAssembly.Memory when the SIMD kernel runs), handed
 * out as blocks, with exact dot-product scans of a block against a query: `scan` (every row) and
 * `scanRows` (listed rows, a gather). Scores are the same bits on both kernels (see dot-scan.wat).
 *
 * The memory grows as needed, which detaches earlier views of it: keep blocks, never views, across
 * calls. `view` and the scores returned by the scans are valid until the next call on the arena.
 * Freed space is reused (best fit) or closed by compaction, which moves live blocks; callers only
 * ever hold the block handles, which follow.
 */
export class VectorArena {
  readonly dims: number;
  readonly kernel: VectorKernel;
  private readonly minCompactBytes: number;
  private readonly memory: WasmMemory | null;
  private readonly exports: DotScanExports | null;
  private buffer: ArrayBuffer;
  private f32: Float32Array;
  private i32: Int32Array;
  private u8: Uint8Array;
  private readonly blocks = new Set<ArenaBlock>();
  /** Free runs below `top`, sorted by offset, never adjacent (merged on free). */
  private holeOffsets: number[] = [];
  private holeSizes: number[] = [];
  private top = 0;
  private liveBytes = 0;
  private freeBytes = 0;
  private compactions = 0;
  private readonly queryBytes: number;

  constructor(dims: number, options: VectorArenaOptions = {}) {
    if (!Number.isInteger(dims) || dims < 1) throw new EvrecError('INVALID_INPUT', `dims must be a positive integer, got ${dims}`, { field: 'dims' });
    this.dims = dims;
    this.minCompactBytes = options.minCompactBytes ?? 1 << 20;
    this.queryBytes = align16(dims * 4);
    const module = options.kernel === 'js' || dims % 4 !== 0 ? null : dotScan();
    if (module !== null && wasmApi !== undefined) {
      this.memory = new wasmApi.Memory({ initial: 1 });
      this.exports = new wasmApi.Instance(module, { env: { memory: this.memory } }).exports as unknown as DotScanExports;
      this.kernel = 'wasm-simd';
      this.buffer = this.memory.buffer;
    } else {
      this.memory = null;
      this.exports = null;
      this.kernel = 'js';
      this.buffer = new ArrayBuffer(PAGE);
    }
    this.f32 = new Float32Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
    this.u8 = new Uint8Array(this.buffer);
  }

  /** A block of `rows` rows (contents unspecified until written). */
  alloc(rows: number): VectorBlock {
    if (!Number.isInteger(rows) || rows < 0) throw new EvrecError('INVALID_INPUT', `rows must be a non-negative integer, got ${rows}`, { field: 'rows' });
    const bytes = align16(rows * this.dims * 4);
    const block = new ArenaBlock(this, this.place(bytes), rows, bytes);
    this.blocks.add(block);
    this.liveBytes += bytes;
    return block;
  }

  /** Gives the block's space back; the handle is dead afterwards. Freeing twice is an error. */
  free(block: VectorBlock): void {
    const b = this.own(block);
    b.live = false;
    this.blocks.delete(b);
    this.liveBytes -= b.bytes;
    this.release(b.offset, b.bytes);
  }

  /**
   * Changes the block's row count, keeping its first min(old, new) rows; in place when it ends the
   * heap or shrinks, else moved. Returns the same handle.
   */
  resize(block: VectorBlock, rows: number): VectorBlock {
    const b = this.own(block);
    if (!Number.isInteger(rows) || rows < 0) throw new EvrecError('INVALID_INPUT', `rows must be a non-negative integer, got ${rows}`, { field: 'rows' });
    const bytes = align16(rows * this.dims * 4);
    if (bytes <= b.bytes) {
      this.release(b.offset + bytes, b.bytes - bytes);
    } else if (b.offset + b.bytes === this.top && b.bytes > 0) {
      this.ensureMemory(b.offset + bytes);
      this.top = b.offset + bytes;
    } else {
      // Not counted as live while placing, so a compaction in `place` does not copy it twice; the
      // handle stays in `blocks` so compaction still moves its rows down.
      this.liveBytes -= b.bytes;
      const offset = this.place(bytes);
      this.u8.copyWithin(offset, b.offset, b.offset + b.bytes);
      this.release(b.offset, b.bytes);
      b.offset = offset;
      this.liveBytes += b.bytes;
    }
    this.liveBytes += bytes - b.bytes;
    b.bytes = bytes;
    b.rows = rows;
    return b;
  }

  /** The block's rows (rows × dims floats, row-major): a view valid until the next call on the arena. */
  view(block: VectorBlock): Float32Array {
    const b = this.own(block);
    return new Float32Array(this.buffer, b.offset, b.rows * this.dims);
  }

  /** Writes `values` (dims floats, rounded to f32) into row `row` of the block. */
  write(block: VectorBlock, row: number, values: ArrayLike<number>): void {
    const b = this.own(block);
    if (!(row >= 0 && row < b.rows) || !Number.isInteger(row)) throw new EvrecError('INVALID_INPUT', `row ${row} is outside the block's ${b.rows} rows`, { field: 'row' });
    if (values.length !== this.dims) throw new EvrecError('INVALID_INPUT', `a row has ${this.dims} floats, got ${values.length}`, { field: 'values' });
    this.f32.set(values, (b.offset >> 2) + row * this.dims);
  }

  /**
   * Scores of the block's first `rows` rows (default all) against `query` (dims floats, rounded to
   * f32): score[r] = query · row r. The result is a view of the arena's scratch area, valid until the
   * next call on the arena (copy it to keep it).
   */
  scan(block: VectorBlock, query: ArrayLike<number>, rows = block.rows): Float32Array {
    const b = this.own(block);
    if (!Number.isInteger(rows) || rows < 0 || rows > b.rows) throw new EvrecError('INVALID_INPUT', `cannot scan ${rows} of ${b.rows} rows`, { field: 'rows' });
    const q = this.writeQuery(query, align16(rows * 4));
    const out = q + this.queryBytes;
    if (this.exports !== null) this.exports.dots(b.offset, rows, q, this.dims, out);
    else {
      const m = this.f32;
      const d = this.dims;
      const qi = q >> 2;
      const oi = out >> 2;
      for (let r = 0, v = b.offset >> 2; r < rows; r++, v += d) m[oi + r] = dotF32(m, v, qi, d);
    }
    return new Float32Array(this.buffer, out, rows);
  }

  /**
   * Scores of the listed rows of the block (`rowIndices[i]`, any order, repeats allowed) against
   * `query`: score[i] = query · row rowIndices[i]. Same arithmetic and lifetime as `scan`.
   */
  scanRows(block: VectorBlock, rowIndices: Int32Array, query: ArrayLike<number>): Float32Array {
    const b = this.own(block);
    const count = rowIndices.length;
    for (let i = 0; i < count; i++) {
      const r = rowIndices[i];
      if (r < 0 || r >= b.rows) throw new EvrecError('INVALID_INPUT', `row ${r} is outside the block's ${b.rows} rows`, { field: 'rowIndices' });
    }
    const q = this.writeQuery(query, 2 * align16(count * 4));
    const idx = q + this.queryBytes;
    const out = idx + align16(count * 4);
    this.i32.set(rowIndices, idx >> 2);
    if (this.exports !== null) this.exports.dotsAt(b.offset, idx, count, q, this.dims, out);
    else {
      const m = this.f32;
      const d = this.dims;
      const qi = q >> 2;
      const oi = out >> 2;
      const v0 = b.offset >> 2;
      for (let i = 0; i < count; i++) m[oi + i] = dotF32(m, v0 + rowIndices[i] * d, qi, d);
    }
    return new Float32Array(this.buffer, out, count);
  }

  stats(): VectorArenaStats {
    return { kernel: this.kernel, blocks: this.blocks.size, liveBytes: this.liveBytes, freeBytes: this.freeBytes, heapBytes: this.top, memoryBytes: this.buffer.byteLength, compactions: this.compactions };
  }

  private own(block: VectorBlock): ArenaBlock {
    if (!(block instanceof ArenaBlock) || block.arena !== this) throw new EvrecError('INVALID_INPUT', 'the block belongs to another arena', { field: 'block' });
    if (!block.live) throw new EvrecError('INVALID_INPUT', 'the block was freed', { field: 'block' });
    return block;
  }

  /**
   * Writes the query at the scratch area above the heap, with `extraBytes` after it (row indices,
   * scores); returns the query's offset.
   */
  private writeQuery(query: ArrayLike<number>, extraBytes: number): number {
    if (query.length !== this.dims) throw new EvrecError('INVALID_INPUT', `query has ${query.length} dimensions, the arena ${this.dims}`, { field: 'query' });
    this.ensureMemory(this.top + this.queryBytes + extraBytes);
    this.f32.set(query, this.top >> 2);
    return this.top;
  }

  /** Offset for `bytes` new bytes: the best-fitting hole, else the top of the heap (compacting first when the holes are worth it). */
  private place(bytes: number): number {
    if (bytes === 0) return this.top;
    let best = -1;
    for (let i = 0; i < this.holeSizes.length; i++) {
      const size = this.holeSizes[i];
      if (size >= bytes && (best < 0 || size < this.holeSizes[best])) {
        best = i;
        if (size === bytes) break;
      }
    }
    if (best >= 0) {
      const offset = this.holeOffsets[best];
      if (this.holeSizes[best] === bytes) {
        this.holeOffsets.splice(best, 1);
        this.holeSizes.splice(best, 1);
      } else {
        this.holeOffsets[best] += bytes;
        this.holeSizes[best] -= bytes;
      }
      this.freeBytes -= bytes;
      return offset;
    }
    if (this.freeBytes > this.liveBytes && this.freeBytes >= this.minCompactBytes) this.compact();
    const offset = this.top;
    this.ensureMemory(offset + bytes);
    this.top = offset + bytes;
    return offset;
  }

  /** Returns [offset, offset + bytes) to the free space, merging with neighbouring holes and the top. */
  private release(offset: number, bytes: number): void {
    if (bytes === 0) return;
    const offs = this.holeOffsets;
    const sizes = this.holeSizes;
    // First hole after `offset`.
    let lo = 0;
    let hi = offs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (offs[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    let start = offset;
    let size = bytes;
    let at = lo;
    if (at > 0 && offs[at - 1] + sizes[at - 1] === start) {
      at--;
      start = offs[at];
      size += sizes[at];
      offs.splice(at, 1);
      sizes.splice(at, 1);
    }
    if (at < offs.length && start + size === offs[at]) {
      size += sizes[at];
      offs.splice(at, 1);
      sizes.splice(at, 1);
    }
    // The merged holes were already counted free; only `bytes` is new.
    this.freeBytes += bytes;
    if (start + size === this.top) {
      this.top = start;
      this.freeBytes -= size;
      return;
    }
    offs.splice(at, 0, start);
    sizes.splice(at, 0, size);
  }

  /** Moves every live block down, in offset order, closing all holes. */
  private compact(): void {
    const live = [...this.blocks].filter((b) => b.bytes > 0).sort((a, b) => a.offset - b.offset);
    let cursor = 0;
    for (const b of live) {
      if (b.offset !== cursor) this.u8.copyWithin(cursor, b.offset, b.offset + b.bytes);
      b.offset = cursor;
      cursor += b.bytes;
    }
    this.top = cursor;
    this.holeOffsets = [];
    this.holeSizes = [];
    this.freeBytes = 0;
    this.compactions++;
  }

  private ensureMemory(bytes: number): void {
    const have = this.buffer.byteLength;
    if (bytes <= have) return;
    // Grow by at least a quarter: each growth costs a copy (ArrayBuffer) or detaches every view.
    let want = Math.max(bytes, Math.floor(have * 1.25));
    want = Math.ceil(want / PAGE) * PAGE;
    if (this.memory !== null) {
      if (bytes > MAX_WASM_BYTES) throw new EvrecError('TOO_LARGE', `vector arena needs ${bytes} bytes, over WebAssembly's 4 GiB`, { field: 'rows' });
      want = Math.min(want, MAX_WASM_BYTES);
      try {
        this.memory.grow((want - have) / PAGE);
      } catch (e) {
        throw new EvrecError('TOO_LARGE', `vector arena could not grow to ${want} bytes`, { field: 'rows', cause: e });
      }
      this.buffer = this.memory.buffer;
    } else {
      const next = new ArrayBuffer(want);
      new Uint8Array(next).set(this.u8);
      this.buffer = next;
    }
    this.f32 = new Float32Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
    this.u8 = new Uint8Array(this.buffer);
  }
}
