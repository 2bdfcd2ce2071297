/**
 * Worker-thread entry of `ScoringThread`: holds the neural rankers of the bundles being served (by
 * version) and answers logits for prepared model input, so the model's matrix work runs beside the
 * serving thread instead of on it. Messages are handled in order, one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type * as tf from '@tensorflow/tfjs';
import { isEvrecError, type TfBackendChoice } from '@evrec/core';
import { predictLogits, type InputLayout, type ModelInput } from '@evrec/ranker';
import { initTf, loadModel } from '@evrec/tf';

export type ScoringRequest =
  | { type: 'load'; id: number; key: string; modelDir: string; layout: InputLayout }
  | { type: 'unload'; id: number; key: string }
  | { type: 'logits'; id: number; key: string; input: ModelInput };

export type ScoringReply =
  | { type: 'ok'; id: number; backend?: string }
  | { type: 'logits'; id: number; logits: Float32Array }
  | { type: 'error'; id: number; code: string; message: string };

const port = parentPort;
if (port === null) throw new Error('scoring-worker must run on a worker thread');
const backend = (workerData as { backend?: TfBackendChoice } | undefined)?.backend;
const models = new Map<string, { model: tf.LayersModel; layout: InputLayout }>();

async function handle(m: ScoringRequest): Promise<ScoringReply> {
  switch (m.type) {
    case 'load': {
      const runtime = await initTf({ backend });
      models.get(m.key)?.model.dispose();
      models.set(m.key, { model: await loadModel(m.modelDir), layout: m.layout });
      return { type: 'ok', id: m.id, backend: runtime.backend };
    }
    case 'unload':
      models.get(m.key)?.model.dispose();
      models.delete(m.key);
      return { type: 'ok', id: m.id };
    case 'logits': {
      const entry = models.get(m.key);
      if (entry === undefined) return { type: 'error', id: m.id, code: 'NOT_FOUND', message: `no model loaded for ${m.key}` };
      return { type: 'logits', id: m.id, logits: predictLogits(entry.model, entry.layout, m.input) };
    }
  }
}

let queue = Promise.resolve();
port.on('message', (m: ScoringRequest) => {
  queue = queue.then(async () => {
    let reply: ScoringReply;
    try {
      reply = await handle(m);
    } catch (e) {
      reply = { type: 'error', id: m.id, code: isEvrecError(e) ? e.code : 'INTERNAL', message: (e as Error).message };
    }
    port.postMessage(reply, reply.type === 'logits' ? [reply.logits.buffer as ArrayBuffer] : []);
  });
});
