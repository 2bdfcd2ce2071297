import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { EvrecError, silentProgress, type ProgressReporter } from '@evrec/core';
import {
  ANN_FILES,
  ANN_FORMAT,
  ANN_FORMAT_VERSION,
  ANN_MANIFEST_FILE,
  assertLittleEndian,
  corrupt,
  fileEntry,
  sha256Hex,
  validateIdsFile,
  validateManifest,
  verifyFiles,
  writeFileAtomic,
  type AnnIdsFile,
  type AnnManifest,
} from './artifact.ts';
import { TopK, copyToArray, writeNormalized, type VectorInput } from './vector-math.ts';
import { VectorArena, type VectorArenaStats, type VectorBlock } from './vector-arena.ts';

const { HierarchicalNSW } = hnswlib;
type Hnsw = InstanceType<typeof HierarchicalNSW>;

/** One item to index. */
export interface AnnItem {
  id: string;
  /** Any non-zero vector of `dims` components; it is L2-normalised on the way in. */
  vector: VectorInput;
}

/** Graph parameters, fixed when the index is created. */
export interface AnnIndexOptions {
  /** Vector dimensionality. Required. */
  dims: number;
  /** Links per node (hnswlib M). More = better recall at a given ef, bigger and slower to build. Default 16. */
  M?: number;
  /** Candidate list size while inserting. Default 200. */
  efConstruction?: number;
  /** Default candidate list size while searching (raised to k when k is larger). Default 100. */
  ef?: number;
  /** Initial capacity; grows ×1.5 when full. Default: the item count for arrays, else 1024. */
  maxElements?: number;
  /** hnswlib's level-generator seed (a single-threaded build is then reproducible). Default 100. */
  seed?: number;
}

export interface AnnBuildOptions extends AnnIndexOptions {
  /** Receives `ann.build` events while inserting. Default silent. */
  progress?: ProgressReporter;
}

/** Defaults of AnnIndexOptions, chosen from tools/bench ann.bench.ts (see README). */
export const ANN_DEFAULTS = { M: 16, efConstruction: 200, ef: 100, seed: 100 } as const;

/** One search hit. */
export interface AnnHit {
  id: string;
  /** Cosine similarity (inner product of normalised vectors), higher is closer. */
  score: number;
}

/** How a search is answered; `searchPlan` tells which one `search` will take. */
export type AnnSearchPath =
  /** Plain graph search. */
  | 'hnsw'
  /** Graph search with the filter applied inside hnswlib (a JS call per visited node). */
  | 'hnsw-filter'
  /** Exact scan of the vectors of the enumerated `allowedIds`. */
  | 'exact-allowed'
  /** Exact scan of every live vector (the filter, if any, is checked before the dot product). */
  | 'exact-scan'
  /** Exact scan of caller-supplied label lists, the check run only on items that would enter the top k (`scanLabelLists`). */
  | 'exact-labels';

export interface AnnSearchOptions {
  /** Keep only ids for which this returns true. Runs inside the graph search, not after it. */
  filter?: (id: string) => boolean;
  /**
   * The allowed ids, when the caller can list them (e.g. events in a city and a date window).
   * Results are drawn from these only (and must pass `filter` too, if given). When there are few
   * (see `exactScanMaxIds`/`exactScanMaxShare`) they are scanned exactly instead of walking the graph.
   * Unknown or removed ids are ignored.
   */
  allowedIds?: readonly string[] | ReadonlySet<string>;
  /**
   * The caller's estimate of the share (0–1] of the index that `filter` keeps, when it cannot list
   * the ids. When share × size falls under the exact-scan threshold, every live vector is scanned
   * exactly instead: a graph walk under a very selective filter visits most of the graph anyway,
   * paying a JS callback per node.
   */
  selectivity?: number;
  /** Candidate list size for this search. Default: the index's `ef`. */
  ef?: number;
  /** Force an exact answer (scan) whatever the sizes. Default false. */
  exact?: boolean;
  /** Allowed sets up to this many ids are scanned exactly. Default 2,000. */
  exactScanMaxIds?: number;
  /** …or up to this share of the live index, whichever is larger. Default 0.01. */
  exactScanMaxShare?: number;
}

export interface AnnLoadOptions {
  /** Check every file's sha256 against the manifest (sizes are always checked). Default true. */
  verify?: boolean;
  /** Override the saved default search ef. */
  ef?: number;
}

/** Counts and parameters of an index. */
export interface AnnStats {
  dims: number;
  M: number;
  efConstruction: number;
  ef: number;
  seed: number;
  /** Live (searchable) items. */
  count: number;
  /** Removed items still occupying graph slots (reclaimed only by a rebuild). */
  deleted: number;
  /** Slots allocated. */
  capacity: number;
}

function assertPositiveInt(v: number, field: string): void {
  if (!Number.isInteger(v) || v < 1) throw new EvrecError('INVALID_INPUT', `${field} must be a positive integer, got ${v}`, { field });
}

/**
 * Approximate nearest-neighbour index over L2-normalised vectors (inner product = cosine), built on
 * hnswlib-node, with string ids, in-graph filtering, an exact-scan path for small allowed sets,
 * incremental add/remove and checksummed save/load.
 *
 * The normalised vectors are also kept in a `VectorArena` (row = label) so exact search, exact scans
 * of filtered sets and rebuilds need nothing but the index; every exact path scores them with the
 * arena's kernel (WebAssembly SIMD, or its bit-identical JS fallback) in f32. Building blocks the
 * event loop (hnswlib has no batch or async add): run big builds in a job process or worker.
 */
export class AnnIndex {
  private hnsw: Hnsw;
  private readonly params: Required<Omit<AnnIndexOptions, 'maxElements'>>;
  /** label → id. Labels are never reused for another id. */
  private readonly ids: string[] = [];
  private readonly labelOf = new Map<string, number>();
  /** label → 1 when removed. */
  private removed: Uint8Array;
  /** Normalised vectors, row = label: one block of `capacity` rows, alone in its arena (so it grows in place). */
  private readonly rowArena: VectorArena;
  private readonly rowBlock: VectorBlock;
  /** The blocks handed out by `vectorBlock` (callers' contiguous copies), scanned by `scanLabelLists`. */
  private readonly blockArena: VectorArena;
  private capacity: number;
  private live = 0;
  private currentEf: number;
  /** Reused buffer for hnswlib, which takes plain arrays only. */
  private readonly scratch: number[];
  private readonly query: Float32Array;

  private constructor(hnsw: Hnsw, params: Required<Omit<AnnIndexOptions, 'maxElements'>>, capacity: number) {
    this.hnsw = hnsw;
    this.params = params;
    this.capacity = capacity;
    this.removed = new Uint8Array(capacity);
    this.rowArena = new VectorArena(params.dims);
    this.rowBlock = this.rowArena.alloc(capacity);
    this.blockArena = new VectorArena(params.dims);
    this.scratch = new Array<number>(params.dims).fill(0);
    this.query = new Float32Array(params.dims);
    this.currentEf = params.ef;
    hnsw.setEf(params.ef);
  }

  /** An empty index, ready for `add`. */
  static create(options: AnnIndexOptions): AnnIndex {
    const params = {
      dims: options.dims,
      M: options.M ?? ANN_DEFAULTS.M,
      efConstruction: options.efConstruction ?? ANN_DEFAULTS.efConstruction,
      ef: options.ef ?? ANN_DEFAULTS.ef,
      seed: options.seed ?? ANN_DEFAULTS.seed,
    };
    assertPositiveInt(params.dims, 'dims');
    assertPositiveInt(params.efConstruction, 'efConstruction');
    assertPositiveInt(params.ef, 'ef');
    if (!Number.isInteger(params.M) || params.M < 2) throw new EvrecError('INVALID_INPUT', `M must be an integer ≥ 2, got ${params.M}`, { field: 'M' });
    const capacity = Math.max(1, options.maxElements ?? 1024);
    assertPositiveInt(capacity, 'maxElements');
    const hnsw = new HierarchicalNSW('ip', params.dims);
    hnsw.initIndex(capacity, params.M, params.efConstruction, params.seed);
    return new AnnIndex(hnsw, params, capacity);
  }

  /**
   * Builds an index from items (an array, or any iterable such as a generator streaming from disk).
   * Synchronous and single-threaded: hnswlib-node inserts one point per call. Reports `ann.build`
   * progress about every 1% (and at the end, with inserts/s). A repeated id replaces the earlier vector.
   */
  static build(items: Iterable<AnnItem>, options: AnnBuildOptions): AnnIndex {
    const total = Array.isArray(items) ? items.length : undefined;
    const index = AnnIndex.create({ ...options, maxElements: options.maxElements ?? (total !== undefined && total > 0 ? total : 1024) });
    const progress = options.progress ?? silentProgress;
    const every = Math.max(1000, Math.floor((total ?? 100_000) / 100));
    const started = performance.now();
    let done = 0;
    for (const item of items) {
      index.add(item.id, item.vector);
      done++;
      if (done % every === 0 && done !== total) progress({ stage: 'ann.build', done, total });
    }
    const seconds = (performance.now() - started) / 1000;
    progress({ stage: 'ann.build', done, total: done, metrics: { insertsPerSec: Math.round(done / Math.max(seconds, 1e-9)), seconds: Number(seconds.toFixed(2)) } });
    return index;
  }

  /** The normalised vectors (row = label): a view, valid until the next arena call (add, scan). */
  private get vectors(): Float32Array {
    return this.rowArena.view(this.rowBlock);
  }

  /** Live items. */
  get size(): number {
    return this.live;
  }

  get dims(): number {
    return this.params.dims;
  }

  stats(): AnnStats {
    return { ...this.params, count: this.live, deleted: this.ids.length - this.live, capacity: this.capacity };
  }

  /** Whether `id` is in the index (and not removed). */
  has(id: string): boolean {
    return this.labelFor(id) !== undefined;
  }

  /** The stored (normalised) vector of `id`, a copy; undefined when absent or removed. */
  getVector(id: string): Float32Array | undefined {
    const out = new Float32Array(this.params.dims);
    return this.copyVector(id, out) ? out : undefined;
  }

  /**
   * Copies the stored (normalised) vector of `id` into `out` at `offset` (no allocation: the
   * serving path gathers 500 candidates' vectors per request). False, leaving `out` alone, when
   * absent or removed.
   */
  copyVector(id: string, out: Float32Array, offset = 0): boolean {
    const l = this.labelFor(id);
    if (l === undefined) return false;
    const d = this.params.dims;
    out.set(this.vectors.subarray(l * d, (l + 1) * d), offset);
    return true;
  }

  /** The internal label of a live `id` (row of the stored vectors), for `scanLabelLists`; undefined when absent or removed. */
  labelFor(id: string): number | undefined {
    const l = this.labelOf.get(id);
    return l === undefined || this.removed[l] === 1 ? undefined : l;
  }

  /**
   * Copies the stored (normalised) vectors of `labels` into one block of the index's block arena, for
   * a caller that scans the same group of items often (`scanLabelLists` then reads memory in order
   * instead of jumping around the whole vector array). The copy does not follow later `add`s: make a
   * new block when the group's vectors change, and give the old one back with `freeVectorBlock`.
   */
  vectorBlock(labels: Int32Array): VectorBlock {
    const d = this.params.dims;
    const n = this.ids.length;
    for (let i = 0; i < labels.length; i++) {
      if (!(labels[i] >= 0 && labels[i] < n)) throw new EvrecError('INVALID_INPUT', `label ${labels[i]} is not in the index`, { field: 'labels' });
    }
    const block = this.blockArena.alloc(labels.length);
    const src = this.vectors;
    const dst = this.blockArena.view(block);
    for (let i = 0; i < labels.length; i++) dst.set(src.subarray(labels[i] * d, (labels[i] + 1) * d), i * d);
    return block;
  }

  /** Gives back a block made by `vectorBlock` (its space is reused by later blocks). */
  freeVectorBlock(block: VectorBlock): void {
    this.blockArena.free(block);
  }

  /** Memory held by the blocks of `vectorBlock` (live, freed, the arena's size) and the kernel scanning them. */
  vectorBlockStats(): VectorArenaStats {
    return this.blockArena.stats();
  }

  /**
   * Exact top-k over the items of `lists` (e.g. a caller's geo/time buckets: labels and the block of
   * their vectors from `vectorBlock`, which must be current) that pass the check `accept(list, row)`.
   * Every block is scored by the arena's kernel (WebAssembly SIMD; the f32 arithmetic of every exact
   * path); the best `candidates` items by score alone are kept, and `accept` is then asked in score
   * order until k pass: a check that costs more than a 64-d dot product (at 1M events: an event
   * record, a distance, sold-out and already-registered lookups, each a cache miss) is paid about
   * k / pass-rate times instead of for every item that would enter a running top k (~k·(1 + ln(n/k))).
   * When fewer than k of those candidates pass, the scan is repeated with more. Same result as
   * checking every item first and scanning the accepted ones (scores tie-break by label, as in every
   * exact path). Removed labels are skipped. `accept` must not change the index.
   */
  scanLabelLists(query: VectorInput, k: number, lists: readonly { labels: Int32Array; block: VectorBlock }[], accept: (list: number, row: number) => boolean, options: { candidates?: number } = {}): AnnHit[] {
    assertPositiveInt(k, 'k');
    const d = this.params.dims;
    const q = new Float32Array(d);
    writeNormalized(query, d, q, 0, 'query');
    const want = Math.min(k, Math.max(1, this.live));
    // starts[li]: the first global row of list li (a candidate's tag), to find its list again.
    const starts = new Int32Array(lists.length + 1);
    for (let li = 0; li < lists.length; li++) {
      const { labels, block } = lists[li];
      if (block.rows !== labels.length) throw new EvrecError('INVALID_INPUT', `list ${li}: a block of ${block.rows} rows for ${labels.length} labels`, { field: 'lists' });
      starts[li + 1] = starts[li] + labels.length;
    }
    const total = starts[lists.length];
    const removed = this.removed;
    let m = Math.min(total, Math.max(want, options.candidates ?? 4 * want));
    for (;;) {
      const top = new TopK(Math.max(1, m));
      for (let li = 0; li < lists.length; li++) {
        const { labels, block } = lists[li];
        if (labels.length === 0) continue;
        const scores = this.blockArena.scan(block, q);
        const base = starts[li];
        // Most rows fall below the current m-th score: rejected on the score alone, before their
        // label or removed flag is read (random accesses into index-sized arrays).
        let threshold = top.threshold();
        for (let row = 0; row < labels.length; row++) {
          const s = scores[row];
          if (s < threshold) continue;
          const l = labels[row];
          if (removed[l] === 1 || !top.admits(s, l)) continue;
          top.push(s, l, base + row);
          threshold = top.threshold();
        }
      }
      const ranked = top.sorted();
      const hits: AnnHit[] = [];
      for (const h of ranked) {
        // Tags come in any order: find the list by binary search over the starts.
        let lo = 0;
        let hi = lists.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (starts[mid] <= h.tag) lo = mid;
          else hi = mid - 1;
        }
        if (!accept(lo, h.tag - starts[lo])) continue;
        hits.push({ id: this.ids[h.label], score: h.score });
        if (hits.length === want) return hits;
      }
      // Every live item was a candidate: fewer than k pass.
      if (ranked.length < m || m >= total) return hits;
      // Ask for enough candidates at the pass rate seen so far (at least 4× more).
      m = Math.min(total, Math.max(4 * m, Math.ceil((want / Math.max(hits.length, 1)) * m * 1.5)));
    }
  }

  /** Live ids, in label order. */
  *liveIds(): IterableIterator<string> {
    for (let l = 0; l < this.ids.length; l++) if (this.removed[l] === 0) yield this.ids[l];
  }

  /**
   * Adds `id`, or replaces its vector when present (or brings it back when removed, under its old
   * label). Grows the graph ×1.5 when full.
   */
  add(id: string, vector: VectorInput): void {
    if (typeof id !== 'string' || id === '') throw new EvrecError('INVALID_INPUT', 'id must be a non-empty string', { field: 'id' });
    const d = this.params.dims;
    let label = this.labelOf.get(id);
    const isNew = label === undefined;
    if (label === undefined) {
      if (this.ids.length >= this.capacity) this.grow(Math.ceil(this.capacity * 1.5));
      label = this.ids.length;
    }
    const vectors = this.vectors;
    writeNormalized(vector, d, vectors, label * d, `vector of ${id}`);
    // For an existing label hnswlib updates the point in place (and unmarks it if it was deleted).
    this.hnsw.addPoint(copyToArray(vectors, label * d, d, this.scratch), label);
    if (isNew) {
      this.ids.push(id);
      this.labelOf.set(id, label);
      this.live++;
    } else if (this.removed[label] === 1) {
      this.removed[label] = 0;
      this.live++;
    }
  }

  /** Removes `id` from search results (hnswlib markDelete). Returns false when it was absent or already removed. */
  remove(id: string): boolean {
    const l = this.labelOf.get(id);
    if (l === undefined || this.removed[l] === 1) return false;
    this.hnsw.markDelete(l);
    this.removed[l] = 1;
    this.live--;
    return true;
  }

  private grow(newCapacity: number): void {
    this.hnsw.resizeIndex(newCapacity);
    this.rowArena.resize(this.rowBlock, newCapacity);
    const r = new Uint8Array(newCapacity);
    r.set(this.removed);
    this.removed = r;
    this.capacity = newCapacity;
  }

  /** Which path `search` takes for these options (exposed for tests, benchmarks and logs). */
  searchPlan(options: AnnSearchOptions = {}): AnnSearchPath {
    const threshold = Math.max(options.exactScanMaxIds ?? 2000, Math.floor((options.exactScanMaxShare ?? 0.01) * this.live));
    if (options.allowedIds !== undefined) {
      const n = 'size' in options.allowedIds ? options.allowedIds.size : options.allowedIds.length;
      return options.exact || n <= threshold ? 'exact-allowed' : 'hnsw-filter';
    }
    if (options.exact) return 'exact-scan';
    if (options.filter === undefined) return 'hnsw';
    if (options.selectivity !== undefined) {
      if (!(options.selectivity > 0 && options.selectivity <= 1)) {
        throw new EvrecError('INVALID_INPUT', `selectivity must be in (0, 1], got ${options.selectivity}`, { field: 'selectivity' });
      }
      if (options.selectivity * this.live <= threshold) return 'exact-scan';
    }
    return 'hnsw-filter';
  }

  /**
   * The k nearest live items to `query` (normalised here; cosine scores), best first. Fewer than k
   * when fewer items exist or pass the filter. See AnnSearchOptions for how filters are applied.
   */
  search(query: VectorInput, k: number, options: AnnSearchOptions = {}): AnnHit[] {
    assertPositiveInt(k, 'k');
    const d = this.params.dims;
    writeNormalized(query, d, this.query, 0, 'query');
    const path = this.searchPlan(options);
    if (path === 'exact-allowed' || path === 'exact-scan') return this.scan(this.query, k, options);
    const kk = Math.min(k, this.live);
    if (kk === 0) return [];
    const ef = options.ef ?? this.params.ef;
    assertPositiveInt(ef, 'ef');
    if (ef !== this.currentEf) {
      this.hnsw.setEf(ef);
      this.currentEf = ef;
    }
    const q = copyToArray(this.query, 0, d, this.scratch);
    const labelFilter = path === 'hnsw-filter' ? this.labelFilter(options) : undefined;
    const r = labelFilter ? this.hnsw.searchKnn(q, kk, labelFilter) : this.hnsw.searchKnn(q, kk);
    const hits: AnnHit[] = new Array(r.neighbors.length);
    for (let i = 0; i < r.neighbors.length; i++) hits[i] = { id: this.ids[r.neighbors[i]], score: 1 - r.distances[i] };
    return hits;
  }

  /**
   * Exact top-k by brute force over the stored vectors (ground truth for recall, and the answer for
   * small allowed sets). Same options as `search`; `ef` and the thresholds are ignored.
   */
  exactSearch(query: VectorInput, k: number, options: Pick<AnnSearchOptions, 'filter' | 'allowedIds'> = {}): AnnHit[] {
    assertPositiveInt(k, 'k');
    const q = new Float32Array(this.params.dims);
    writeNormalized(query, this.params.dims, q, 0, 'query');
    return this.scan(q, k, options);
  }

  private labelFilter(options: AnnSearchOptions): (label: number) => boolean {
    const { filter, allowedIds } = options;
    const ids = this.ids;
    if (allowedIds === undefined) {
      if (filter === undefined) return () => true;
      return (label) => filter(ids[label]);
    }
    const allowed = 'size' in allowedIds ? allowedIds : new Set(allowedIds);
    if (filter === undefined) return (label) => allowed.has(ids[label]);
    return (label) => allowed.has(ids[label]) && filter(ids[label]);
  }

  private scan(q: Float32Array, k: number, options: Pick<AnnSearchOptions, 'filter' | 'allowedIds'>): AnnHit[] {
    const top = new TopK(Math.min(k, this.live));
    if (options.allowedIds !== undefined) this.scanIds(q, top, options.allowedIds, options.filter);
    else if (options.filter !== undefined) this.scanAllFiltered(q, top, options.filter);
    else this.scanAll(q, top);
    return top.sorted().map((h) => ({ id: this.ids[h.label], score: h.score }));
  }

  // Every exact path scores with the arena's kernel (one f32 arithmetic, see kernels/dot-scan.wat), so
  // they agree bit for bit: the same hits in the same order whichever path a caller takes.

  private scanAll(q: Float32Array, top: TopK): void {
    const n = this.ids.length;
    const removed = this.removed;
    const scores = this.rowArena.scan(this.rowBlock, q, n);
    for (let l = 0; l < n; l++) if (removed[l] === 0) top.push(scores[l], l);
  }

  private scanAllFiltered(q: Float32Array, top: TopK, filter: (id: string) => boolean): void {
    const n = this.ids.length;
    const { removed, ids } = this;
    const labels = new Int32Array(n);
    let count = 0;
    for (let l = 0; l < n; l++) if (removed[l] === 0 && filter(ids[l])) labels[count++] = l;
    this.scanLabels(q, top, labels.subarray(0, count));
  }

  private scanIds(q: Float32Array, top: TopK, allowedIds: Iterable<string>, filter: ((id: string) => boolean) | undefined): void {
    const { removed, labelOf } = this;
    // A label can be listed twice; score it once.
    const seen = new Uint8Array(this.ids.length);
    const labels: number[] = [];
    for (const id of allowedIds) {
      const l = labelOf.get(id);
      if (l === undefined || removed[l] === 1 || seen[l] === 1) continue;
      seen[l] = 1;
      if (filter !== undefined && !filter(id)) continue;
      labels.push(l);
    }
    this.scanLabels(q, top, Int32Array.from(labels));
  }

  private scanLabels(q: Float32Array, top: TopK, labels: Int32Array): void {
    if (labels.length === 0) return;
    const scores = this.rowArena.scanRows(this.rowBlock, labels, q);
    for (let i = 0; i < labels.length; i++) top.push(scores[i], labels[i]);
  }

  /**
   * Writes the index into `dir` (created if needed): graph, vectors, ids, then the manifest with
   * each file's size and sha256. Save into a fresh directory and publish it by switching a pointer;
   * a directory without manifest.json is an unfinished save and `load` refuses it.
   */
  async save(dir: string): Promise<AnnManifest> {
    assertLittleEndian();
    await mkdir(dir, { recursive: true });
    const labels = this.ids.length;
    const d = this.params.dims;
    const deleted: number[] = [];
    for (let l = 0; l < labels; l++) if (this.removed[l] === 1) deleted.push(l);
    const idsFile: AnnIdsFile = { ids: this.ids, deleted };
    const idsBytes = Buffer.from(JSON.stringify(idsFile));
    // A copy: the arena's memory may grow (and detach views) while the files are written.
    const vectors = this.vectors;
    const vecBytes = new Uint8Array(vectors.buffer, vectors.byteOffset, labels * d * 4).slice();
    const indexPath = join(dir, ANN_FILES.index);
    const tmp = `${indexPath}.partial`;
    await this.hnsw.writeIndex(tmp);
    await rename(tmp, indexPath);
    await writeFileAtomic(join(dir, ANN_FILES.vectors), vecBytes);
    await writeFileAtomic(join(dir, ANN_FILES.ids), idsBytes);
    const manifest: AnnManifest = {
      format: ANN_FORMAT,
      version: ANN_FORMAT_VERSION,
      space: 'ip',
      dims: d,
      M: this.params.M,
      efConstruction: this.params.efConstruction,
      ef: this.params.ef,
      seed: this.params.seed,
      count: this.live,
      labels,
      deleted: deleted.length,
      files: {
        index: await fileEntry(dir, ANN_FILES.index),
        vectors: { path: ANN_FILES.vectors, bytes: vecBytes.byteLength, sha256: sha256Hex(vecBytes) },
        ids: { path: ANN_FILES.ids, bytes: idsBytes.byteLength, sha256: sha256Hex(idsBytes) },
      },
      savedAt: Date.now(),
    };
    await writeFileAtomic(join(dir, ANN_MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    return manifest;
  }

  /**
   * Loads an index saved by `save`. Refuses (CORRUPT_ARTIFACT) a missing manifest, a file whose size
   * or (with `verify`, the default) sha256 differs from the manifest, or sidecars that disagree with
   * the graph. NOT_FOUND when `dir` does not exist.
   */
  static async load(dir: string, options: AnnLoadOptions = {}): Promise<AnnIndex> {
    assertLittleEndian();
    try {
      await stat(dir);
    } catch (e) {
      throw new EvrecError('NOT_FOUND', `ANN index directory ${dir} does not exist`, { details: { dir }, cause: e });
    }
    let manifestRaw: unknown;
    try {
      manifestRaw = JSON.parse(await readFile(join(dir, ANN_MANIFEST_FILE), 'utf8'));
    } catch (e) {
      throw corrupt(dir, `${ANN_MANIFEST_FILE} is missing or not JSON (unfinished save?)`, e);
    }
    const m = validateManifest(dir, manifestRaw);
    await verifyFiles(dir, m, options.verify ?? true);

    if (m.files.vectors.bytes !== m.labels * m.dims * 4) throw corrupt(dir, `vectors.f32 should hold ${m.labels} × ${m.dims} float32`);
    let idsRaw: unknown;
    try {
      idsRaw = JSON.parse(await readFile(join(dir, ANN_FILES.ids), 'utf8'));
    } catch (e) {
      throw corrupt(dir, 'ids.json is not JSON', e);
    }
    const idsFile = validateIdsFile(dir, m, idsRaw);

    const hnsw = new HierarchicalNSW('ip', m.dims);
    try {
      hnsw.readIndexSync(join(dir, ANN_FILES.index));
    } catch (e) {
      throw corrupt(dir, `hnswlib could not read ${ANN_FILES.index}`, e);
    }
    if (hnsw.getCurrentCount() !== m.labels) throw corrupt(dir, `graph holds ${hnsw.getCurrentCount()} points, the manifest says ${m.labels}`);
    const capacity = Math.max(hnsw.getMaxElements(), 1);
    const index = new AnnIndex(hnsw, { dims: m.dims, M: m.M, efConstruction: m.efConstruction, ef: options.ef ?? m.ef, seed: m.seed }, capacity);
    const vec = await readFile(join(dir, ANN_FILES.vectors));
    const vectors = index.vectors;
    new Uint8Array(vectors.buffer, vectors.byteOffset, vec.byteLength).set(vec);
    for (let l = 0; l < idsFile.ids.length; l++) {
      const id = idsFile.ids[l];
      if (index.labelOf.has(id)) throw corrupt(dir, `ids.json lists ${id} twice`);
      index.ids.push(id);
      index.labelOf.set(id, l);
    }
    let removed = 0;
    for (const l of idsFile.deleted) {
      if (index.removed[l] === 0) removed++;
      index.removed[l] = 1;
    }
    if (removed !== m.deleted) throw corrupt(dir, 'ids.json lists a removed label twice');
    index.live = m.count;
    return index;
  }
}
