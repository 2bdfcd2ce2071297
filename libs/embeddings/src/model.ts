import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { EvrecError, writeFileAtomic, type Event, type RequestContext, type Rng, type TfBackendChoice, type User } from '@evrec/core';
import { EventTextCache } from '@evrec/features';
import { initTf, loadModel, saveModel } from '@evrec/tf';
import { float32ToLittleEndian, littleEndianToFloat32, sha256Hex } from './binary-io.ts';
import { TwoTowerArchitectureSchema, type TwoTowerArchitecture } from './config.ts';
import { EmbeddingTable } from './embedding-table.ts';
import {
  EVENT_SLOTS,
  TABLES,
  TowerBatchBuilder,
  addEventExample,
  addUserExample,
  encodeEvent,
  eventDenseWidth,
  tableSpecs,
  userDenseWidth,
  userSlots,
  type EncodedEvent,
  type SlotSpec,
  type TowerBatch,
  type UserExample,
} from './encoders.ts';
import { bagTensors, buildTowerMlp, towerForward, towerInputWidth } from './towers.ts';

export interface EmbedUserInput {
  /** The profile; absent for an anonymous visitor. */
  user?: User;
  /** Events the user interacted with (of the model's `historyTypes`), most recent first. */
  history: readonly Event[];
  /** Request time (`at`, default now), location and locale. */
  context?: Partial<RequestContext>;
}

/** Rows per forward call at inference. */
const INFERENCE_BATCH = 1024;

const MODEL_FILE = 'two-tower.json';
const TABLES_FILE = 'tables.bin';
const KNOWN_EVENTS_FILE = 'known-event-ids.json';
const EVENT_TOWER_DIR = 'event-tower';
const USER_TOWER_DIR = 'user-tower';

const SavedModelSchema = z.object({
  format: z.literal('evrec-two-tower'),
  formatVersion: z.literal(1),
  architecture: TwoTowerArchitectureSchema,
  tables: z.array(z.object({ name: z.string(), rows: z.number().int().min(1), dims: z.number().int().min(1) })),
  tablesBytes: z.number().int().min(0),
  tablesSha256: z.string().regex(/^[0-9a-f]{64}$/),
  knownEventsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  info: z.record(z.string(), z.unknown()).default({}),
});

/**
 * A trained two-tower model: maps events and users (with their history and context) to
 * L2-normalised `dims`-d vectors whose inner product scores how likely the user registers.
 * Events whose id the model never trained on (new events) are placed by their content alone.
 */
export class TwoTowerModel {
  readonly dims: number;
  readonly architecture: Readonly<TwoTowerArchitecture>;
  /** Free-form facts about training (backend, dataset, until, trainedAt), saved with the model. */
  info: Record<string, unknown>;
  /** @internal */
  readonly tables: Map<string, EmbeddingTable>;
  /** @internal */
  readonly eventTower: tf.LayersModel;
  /** @internal */
  readonly userTower: tf.LayersModel;
  /** @internal Ids whose event-id row was trained; other events use the content path only. */
  readonly knownEventIds: Set<string>;
  /** @internal */
  readonly userSlots: readonly SlotSpec[];
  private readonly textCache: EventTextCache;
  private disposed = false;

  /** @internal Use {@link trainTwoTower} or {@link TwoTowerModel.load}. */
  constructor(parts: {
    architecture: TwoTowerArchitecture;
    tables: Map<string, EmbeddingTable>;
    eventTower: tf.LayersModel;
    userTower: tf.LayersModel;
    knownEventIds: Set<string>;
    info?: Record<string, unknown>;
  }) {
    this.architecture = Object.freeze({ ...parts.architecture, historyTypes: [...parts.architecture.historyTypes] });
    this.dims = parts.architecture.dims;
    this.tables = parts.tables;
    this.eventTower = parts.eventTower;
    this.userTower = parts.userTower;
    this.knownEventIds = parts.knownEventIds;
    this.userSlots = userSlots(parts.architecture);
    this.info = parts.info ?? {};
    this.textCache = new EventTextCache({ dims: parts.architecture.textDims });
  }

  /** @internal A fresh, untrained model (tables: id rows zero, others small random; seeded MLPs). */
  static initialise(architecture: TwoTowerArchitecture, rng: Rng): TwoTowerModel {
    const tables = new Map<string, EmbeddingTable>();
    for (const spec of tableSpecs(architecture)) {
      const t = new EmbeddingTable(spec);
      // Id rows start at zero so an id the model never trained on adds nothing (= the content path).
      // Without content inputs a zero id row is the towers' only input: ReLU passes no gradient at
      // an all-zero input, so training would never move; there the event-id rows start random
      // (unknown ids are still left out at inference through knownEventIds).
      const zero = spec.name === TABLES.userId || (spec.name === TABLES.eventId && architecture.contentInputs);
      t.initNormal(rng.fork(spec.name), zero ? 0 : 0.05);
      tables.set(spec.name, t);
    }
    const uSlots = userSlots(architecture);
    const eventTower = buildTowerMlp('event_tower', towerInputWidth(tables, EVENT_SLOTS, eventDenseWidth(architecture)), architecture.hidden, architecture.dims, rng.fork('event_tower'));
    const userTower = buildTowerMlp('user_tower', towerInputWidth(tables, uSlots, userDenseWidth(architecture)), architecture.hidden, architecture.dims, rng.fork('user_tower'));
    return new TwoTowerModel({ architecture, tables, eventTower, userTower, knownEventIds: new Set() });
  }

  /** @internal Encoded inputs of an event (text vectors cached by event id). */
  encodeEvent(event: Event): EncodedEvent {
    return encodeEvent(this.architecture, event, this.textCache);
  }

  /** @internal Forward pass of one tower over an already built batch; returns size × dims. */
  runTower(which: 'event' | 'user', batch: TowerBatch): Float32Array {
    this.checkLive();
    const input = { batch, slots: which === 'event' ? EVENT_SLOTS : this.userSlots };
    const out = tf.tidy(() => towerForward(which === 'event' ? this.eventTower : this.userTower, bagTensors(this.tables, input), batch));
    const data = out.dataSync() as Float32Array;
    out.dispose();
    return data;
  }

  /** @internal Vectors of encoded events, row-major (`useId[i]` false: content path only). */
  embedEncodedEvents(events: readonly EncodedEvent[], useId: (e: EncodedEvent) => boolean): Float32Array {
    const d = this.dims;
    const out = new Float32Array(events.length * d);
    for (let start = 0; start < events.length; start += INFERENCE_BATCH) {
      const chunk = events.slice(start, start + INFERENCE_BATCH);
      const b = new TowerBatchBuilder(EVENT_SLOTS.length, eventDenseWidth(this.architecture), chunk.length);
      for (const e of chunk) addEventExample(b, e, useId(e));
      out.set(this.runTower('event', b.build()), start * d);
    }
    return out;
  }

  /**
   * Vectors for events, in order. Text is re-read from each event (call again after an event's
   * title or description changes); an event the model never trained on is placed by its content.
   */
  embedEvents(events: readonly Event[]): Float32Array[] {
    const encoded = events.map((e) => {
      this.textCache.invalidate(e.id);
      return this.encodeEvent(e);
    });
    const flat = this.embedEncodedEvents(encoded, (e) => this.knownEventIds.has(e.id));
    return encoded.map((_, i) => flat.slice(i * this.dims, (i + 1) * this.dims));
  }

  /** A vector for one user (new or changed) from profile, history and context. */
  embedUser(input: EmbedUserInput): Float32Array {
    return this.embedUsers([input])[0];
  }

  /** Vectors for several users, in order (one forward pass per 1,024). */
  embedUsers(inputs: readonly EmbedUserInput[]): Float32Array[] {
    const now = Date.now();
    const examples = inputs.map((x) => ({
      user: x.user,
      at: x.context?.at ?? now,
      history: x.history.slice(0, this.architecture.historyCap).map((e) => this.encodeEvent(e)),
      context: x.context,
    }));
    const flat = this.embedUserExamples(examples);
    return examples.map((_, i) => flat.slice(i * this.dims, (i + 1) * this.dims));
  }

  /**
   * @internal Vectors of users from encoded inputs, row-major. History ids count only when the
   * model knows them (trained rows); everything else is the same code path as in training.
   */
  embedUserExamples(examples: ReadonlyArray<Omit<UserExample, 'useHistoryId' | 'useUserId'>>): Float32Array {
    const d = this.dims;
    const out = new Float32Array(examples.length * d);
    for (let start = 0; start < examples.length; start += INFERENCE_BATCH) {
      const chunk = examples.slice(start, start + INFERENCE_BATCH);
      const b = new TowerBatchBuilder(this.userSlots.length, userDenseWidth(this.architecture), chunk.length);
      for (const x of chunk) addUserExample(this.architecture, b, { ...x, useHistoryId: (e) => this.knownEventIds.has(e.id), useUserId: true });
      out.set(this.runTower('user', b.build()), start * d);
    }
    return out;
  }

  /**
   * Writes the model into `dir`: two-tower.json (architecture, table layout, checksums),
   * tables.bin (every table, little-endian float32), known-event-ids.json and the two MLPs
   * (TF.js layers format through @evrec/tf, each with its own checksum).
   */
  async save(dir: string): Promise<void> {
    this.checkLive();
    const specs = [...this.tables.values()].map((t) => ({ name: t.name, rows: t.rows, dims: t.dims }));
    const total = [...this.tables.values()].reduce((n, t) => n + t.values.length, 0);
    const all = new Float32Array(total);
    let offset = 0;
    for (const t of this.tables.values()) {
      all.set(t.values, offset);
      offset += t.values.length;
    }
    const bytes = float32ToLittleEndian(all);
    const known = JSON.stringify([...this.knownEventIds].sort());
    await saveModel(this.eventTower, join(dir, EVENT_TOWER_DIR));
    await saveModel(this.userTower, join(dir, USER_TOWER_DIR));
    await writeFileAtomic(join(dir, TABLES_FILE), bytes);
    await writeFileAtomic(join(dir, KNOWN_EVENTS_FILE), known);
    const manifest: z.input<typeof SavedModelSchema> = {
      format: 'evrec-two-tower',
      formatVersion: 1,
      architecture: { ...this.architecture, historyTypes: [...this.architecture.historyTypes] },
      tables: specs,
      tablesBytes: bytes.byteLength,
      tablesSha256: sha256Hex(bytes),
      knownEventsSha256: sha256Hex(known),
      info: this.info,
    };
    // Written last: a reader never finds the manifest without the files it names.
    await writeFileAtomic(join(dir, MODEL_FILE), JSON.stringify(manifest, null, 2));
  }

  /**
   * Loads a model written by {@link save}, initialising TF.js first (`backend`, default auto).
   * NOT_FOUND without two-tower.json; CORRUPT_ARTIFACT when a file is malformed or fails its checksum.
   */
  static async load(dir: string, options: { backend?: TfBackendChoice } = {}): Promise<TwoTowerModel> {
    await initTf({ backend: options.backend });
    const manifestPath = join(dir, MODEL_FILE);
    let raw: string;
    try {
      raw = await readFile(manifestPath, 'utf8');
    } catch (e) {
      throw new EvrecError('NOT_FOUND', `no two-tower model at ${dir} (${MODEL_FILE} unreadable)`, { cause: e });
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      throw new EvrecError('CORRUPT_ARTIFACT', `${manifestPath} is not valid JSON`, { cause: e });
    }
    const parsed = SavedModelSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new EvrecError('CORRUPT_ARTIFACT', `${manifestPath}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`);
    }
    const m = parsed.data;
    const expected = tableSpecs(m.architecture);
    const same = expected.length === m.tables.length && expected.every((s, i) => s.name === m.tables[i].name && s.rows === m.tables[i].rows && s.dims === m.tables[i].dims);
    if (!same) throw new EvrecError('CORRUPT_ARTIFACT', `${manifestPath}: table layout does not match the architecture`);

    const read = async (file: string): Promise<Buffer> => {
      try {
        return await readFile(join(dir, file));
      } catch (e) {
        throw new EvrecError('CORRUPT_ARTIFACT', `${join(dir, file)} unreadable: ${(e as Error).message}`, { cause: e });
      }
    };
    const bytes = await read(TABLES_FILE);
    if (bytes.byteLength !== m.tablesBytes || sha256Hex(bytes) !== m.tablesSha256) {
      throw new EvrecError('CORRUPT_ARTIFACT', `${join(dir, TABLES_FILE)} does not match its size or checksum in ${MODEL_FILE}`);
    }
    const all = littleEndianToFloat32(bytes);
    const tables = new Map<string, EmbeddingTable>();
    let offset = 0;
    for (const spec of m.tables) {
      const n = spec.rows * spec.dims;
      tables.set(spec.name, new EmbeddingTable(spec, all.slice(offset, offset + n)));
      offset += n;
    }
    if (offset !== all.length) throw new EvrecError('CORRUPT_ARTIFACT', `${join(dir, TABLES_FILE)} holds ${all.length} values, the layout needs ${offset}`);

    const knownText = (await read(KNOWN_EVENTS_FILE)).toString('utf8');
    if (sha256Hex(knownText) !== m.knownEventsSha256) throw new EvrecError('CORRUPT_ARTIFACT', `${join(dir, KNOWN_EVENTS_FILE)} fails its checksum`);
    const known = z.array(z.string()).safeParse(JSON.parse(knownText));
    if (!known.success) throw new EvrecError('CORRUPT_ARTIFACT', `${join(dir, KNOWN_EVENTS_FILE)} is not a list of ids`);

    const eventTower = await loadModel(join(dir, EVENT_TOWER_DIR));
    const userTower = await loadModel(join(dir, USER_TOWER_DIR));
    const model = new TwoTowerModel({ architecture: m.architecture, tables, eventTower, userTower, knownEventIds: new Set(known.data), info: m.info });
    for (const [which, tower, slots, dense] of [
      ['event', eventTower, EVENT_SLOTS, eventDenseWidth(m.architecture)],
      ['user', userTower, model.userSlots, userDenseWidth(m.architecture)],
    ] as const) {
      const width = tower.inputs[0]?.shape[1];
      if (width !== towerInputWidth(tables, slots, dense) || tower.outputs[0]?.shape[1] !== m.architecture.dims) {
        model.dispose();
        throw new EvrecError('CORRUPT_ARTIFACT', `${dir}: the ${which} tower's shape does not match the architecture`);
      }
    }
    return model;
  }

  /** Frees the towers' tensors. The model cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.eventTower.dispose();
    this.userTower.dispose();
  }

  private checkLive(): void {
    if (this.disposed) throw new EvrecError('INVALID_INPUT', 'this TwoTowerModel was disposed');
  }
}
