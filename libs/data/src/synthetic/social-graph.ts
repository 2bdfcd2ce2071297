import { MS_PER_DAY, type Friendship, type Rng } from '@evrec/core';
import { pareto, paretoMean } from './sampling.ts';
import type { Users } from './population.ts';
import { IntList } from './int-list.ts';

/** Undirected friendships in CSR form: neighbours of u are `neighbors[offsets[u] .. offsets[u+1])`, sorted. */
export interface SocialGraph {
  offsets: Int32Array;
  neighbors: Int32Array;
  edges: number;
}

/** Stable pseudo-random fraction in [0,1) for an unordered pair (friendship age without storing it). */
export function pairFraction(a: number, b: number): number {
  const lo = Math.min(a, b), hi = Math.max(a, b);
  let h = Math.imul(lo ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(hi + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** When two users became friends: after both joined, within 45 days of the later join. */
export function friendsSince(users: Users, a: number, b: number): number {
  return Math.round(Math.max(users.joinedAt[a], users.joinedAt[b]) + pairFraction(a, b) * 45 * MS_PER_DAY);
}

/**
 * Grows the friendship graph in join order. Each user brings a heavy-tailed number of links
 * (Pareto α=2), each aimed at an earlier user: 70% in the same city (¾ of those by preferential
 * attachment — a random endpoint of the city's existing links — ¼ uniformly), 15% anywhere by
 * preferential attachment, 15% anywhere uniformly. A candidate is accepted with probability
 * 0.2 + 0.5·taste similarity + 0.3·exp(−|age gap|/8) (up to 4 tries), which makes friends alike.
 * Memory: two Int32 per link for the edge list, two for the city pools, two for the CSR.
 */
export async function generateFriendships(
  users: Users, cityCount: number, meanFriends: number, rng: Rng,
  emit: (f: Friendship) => Promise<void> | undefined, onProgress: (done: number) => void,
): Promise<SocialGraph> {
  const n = users.n;
  const alpha = 2, cap = 150;
  const scale = meanFriends / 2 / paretoMean(alpha, cap);
  let src = new Int32Array(Math.max(16, Math.round(n * meanFriends * 0.55)));
  let dst = new Int32Array(src.length);
  let edges = 0;
  const pools = Array.from({ length: cityCount }, () => new IntList());
  const cityMembers = Array.from({ length: cityCount }, () => new IntList());
  const mine: number[] = [];

  const similarity = (a: number, b: number): number => {
    const ta = users.topCategory[a], tb = users.topCategory[b];
    const taste = ta === tb ? 1 : ta === users.secondCategory[b] || users.secondCategory[a] === tb ? 0.5 : 0;
    return 0.2 + 0.5 * taste + 0.3 * Math.exp(-Math.abs(users.age[a] - users.age[b]) / 8);
  };

  for (let u = 0; u < n; u++) {
    const city = users.city[u];
    const links = meanFriends <= 0 || u === 0 ? 0 : Math.round(scale * pareto(rng, alpha, cap));
    mine.length = 0;
    for (let j = 0; j < links; j++) {
      let chosen = -1;
      for (let attempt = 0; attempt < 4; attempt++) {
        let v = -1;
        const r = rng.next();
        const pool = pools[city], members = cityMembers[city];
        if (r < 0.7 && members.length > 0) {
          v = pool.length > 0 && rng.chance(0.75) ? pool.data[rng.int(pool.length)] : members.data[rng.int(members.length)];
        } else if (r < 0.85 && edges > 0) {
          const k = rng.int(edges);
          v = rng.chance(0.5) ? src[k] : dst[k];
        } else {
          v = rng.int(u);
        }
        if (v === u || mine.includes(v)) continue;
        chosen = v;
        if (rng.chance(similarity(u, v))) break;
      }
      if (chosen < 0) continue;
      mine.push(chosen);
      if (edges === src.length) {
        const s2 = new Int32Array(src.length * 2); s2.set(src); src = s2;
        const d2 = new Int32Array(dst.length * 2); d2.set(dst); dst = d2;
      }
      src[edges] = u;
      dst[edges] = chosen;
      edges++;
      pools[city].push(u);
      pools[users.city[chosen]].push(chosen);
      const p = emit({ userId: `u${u}`, friendId: `u${chosen}`, since: friendsSince(users, u, chosen) });
      if (p) await p;
    }
    cityMembers[city].push(u);
    if ((u & 0xffff) === 0xffff) onProgress(edges);
  }
  onProgress(edges);

  const offsets = new Int32Array(n + 1);
  for (let k = 0; k < edges; k++) {
    offsets[src[k] + 1]++;
    offsets[dst[k] + 1]++;
  }
  for (let u = 0; u < n; u++) offsets[u + 1] += offsets[u];
  const fill = offsets.slice(0, n);
  const neighbors = new Int32Array(2 * edges);
  for (let k = 0; k < edges; k++) {
    neighbors[fill[src[k]]++] = dst[k];
    neighbors[fill[dst[k]]++] = src[k];
  }
  for (let u = 0; u < n; u++) neighbors.subarray(offsets[u], offsets[u + 1]).sort();
  return { offsets, neighbors, edges };
}

/** Whether b is among a's friends (binary search in the sorted CSR row). */
export function areFriends(g: SocialGraph, a: number, b: number): boolean {
  let lo = g.offsets[a], hi = g.offsets[a + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = g.neighbors[mid];
    if (x === b) return true;
    if (x < b) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
