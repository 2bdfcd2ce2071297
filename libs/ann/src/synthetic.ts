import { createRng } from '@evrec/core';

export interface ClusteredVectorsOptions {
  /** How many vectors. */
  n: number;
  /** Output dimensionality. */
  dims: number;
  /** Dimensionality of the latent space the structure lives in. Default 16. */
  latentDims?: number;
  /** Cluster centres in the latent space (think: event categories × cities). Default 50. */
  clusters?: number;
  /** Spread of items around their cluster centre, in latent units (centres are ~N(0, 1)). Default 0.5. */
  clusterSpread?: number;
  /** Isotropic noise added in the output space, relative to the signal's per-dimension scale. Default 0.3. */
  noise?: number;
  /** Seed for core createRng. Default `'clustered-vectors'`. */
  seed?: number | string;
}

/**
 * Vectors with the kind of structure learned embeddings have: points around cluster centres in a
 * low-dimensional latent space, projected linearly into `dims` dimensions plus noise, row-major in
 * one Float32Array (n × dims). A stand-in for event/user tower outputs in tests and benchmarks;
 * uniform random vectors are far harder for HNSW than real embeddings and would mislead.
 * Use `clusteredVectorsWithQueries` for query points from the same clusters and projection.
 */
export function clusteredVectors(options: ClusteredVectorsOptions): Float32Array {
  return clusteredVectorsWithQueries(options, 0).items;
}

/** Items and `queries` extra points drawn from the same clusters and projection. */
export function clusteredVectorsWithQueries(options: ClusteredVectorsOptions, queries: number): { items: Float32Array; queries: Float32Array } {
  const { n, dims } = options;
  const latent = options.latentDims ?? 16;
  const nClusters = options.clusters ?? 50;
  const spread = options.clusterSpread ?? 0.5;
  const noise = options.noise ?? 0.3;
  const rng = createRng(options.seed ?? 'clustered-vectors');
  const proj = new Float32Array(latent * dims);
  // Scale so each output dimension of a latent N(0, 1) point has variance ≈ 1.
  const s = 1 / Math.sqrt(latent);
  for (let i = 0; i < proj.length; i++) proj[i] = rng.normal() * s;
  const centres = new Float32Array(nClusters * latent);
  for (let i = 0; i < centres.length; i++) centres[i] = rng.normal();
  const draw = (count: number, out: Float32Array): void => {
    const z = new Float32Array(latent);
    for (let r = 0; r < count; r++) {
      const c = rng.int(nClusters);
      for (let j = 0; j < latent; j++) z[j] = centres[c * latent + j] + spread * rng.normal();
      for (let k = 0; k < dims; k++) {
        let v = 0;
        for (let j = 0; j < latent; j++) v += z[j] * proj[j * dims + k];
        out[r * dims + k] = v + noise * rng.normal();
      }
    }
  };
  const items = new Float32Array(n * dims);
  const qs = new Float32Array(queries * dims);
  draw(n, items);
  draw(queries, qs);
  return { items, queries: qs };
}
