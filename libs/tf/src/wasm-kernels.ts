/**
 * Kernels the WASM backend lacks. `UnsortedSegmentSum` is the gradient of `tf.gather`, so without
 * it nothing with an embedding table (tf.layers.embedding included) trains on WASM. This plain-JS
 * version works on the WASM heap directly.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

interface SegmentSumAttrs {
  numSegments: number;
}

function unsortedSegmentSumWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = args.attrs as unknown as SegmentSumAttrs;
  const idsRank = segmentIds.shape.length;
  const outShape = [numSegments, ...x.shape.slice(idsRank)];
  const numIds = segmentIds.shape.reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(idsRank).reduce((a, b) => a * b, 1);
  // Allocate first: makeOutput may grow the WASM heap, which detaches views taken earlier.
  const out = backend.makeOutput(outShape, x.dtype);
  const outValues = backend.typedArrayFromHeap(out);
  const xValues = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  // WASM malloc does not zero memory.
  outValues.fill(0);
  for (let i = 0; i < numIds; i++) {
    const seg = ids[i];
    // Out-of-range ids are dropped, as in TensorFlow.
    if (seg < 0 || seg >= numSegments) continue;
    const src = i * inner;
    const dst = seg * inner;
    for (let j = 0; j < inner; j++) outValues[dst + j] += xValues[src + j];
  }
  return out;
}

/** Kernel names this module adds to the WASM backend when missing. */
export const WASM_KERNELS_ADDED = ['UnsortedSegmentSum'] as const;

/**
 * Registers the missing kernels for `wasm` (idempotent; skips any a future TF.js provides).
 * Returns the names actually registered by this call.
 */
export function registerMissingWasmKernels(): string[] {
  const added: string[] = [];
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSumWasm as tf.KernelFunc });
    added.push('UnsortedSegmentSum');
  }
  return added;
}
