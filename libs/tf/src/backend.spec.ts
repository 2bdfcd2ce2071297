import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { isEvrecError } from '@evrec/core';
import { activeBackendName, initTf } from './index.ts';

const require = createRequire(import.meta.url);
function resolvable(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}
const nativeInstalled = resolvable('@tensorflow/tfjs-node-gpu') || resolvable('@tensorflow/tfjs-node');

// One file, run in order: TF.js has one global backend per process.
describe('initTf', () => {
  it('auto tries the native packages first, then settles on WASM with SIMD and the added kernel', async (ctx) => {
    if (nativeInstalled) ctx.skip();
    const logged: string[] = [];
    const logger = { info: (_o: unknown, msg?: string) => void logged.push(String(msg)), debug: () => undefined };
    const rt = await initTf({ backend: 'auto', logger });
    expect(rt.backend).toBe('wasm');
    expect(rt.tf.getBackend()).toBe('wasm');
    expect(rt.details.attempts.map((a) => [a.backend, a.ok])).toEqual([
      ['tensorflow-gpu', false],
      ['tensorflow', false],
      ['wasm', true],
    ]);
    expect(rt.details.attempts[0].error).toMatch(/tfjs-node-gpu/);
    expect(rt.details.simd).toBe(true);
    expect(rt.details.threads).toBe(1);
    expect(rt.details.kernelsAdded).toEqual(['UnsortedSegmentSum']);
    expect(rt.tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeDefined();
    expect(logged).toEqual(['tf backend: wasm']);
    expect(activeBackendName()).toBe('wasm');
  });

  it('is idempotent: same choice or auto returns the same runtime', async () => {
    const a = await initTf({ logger: null });
    const b = await initTf({ backend: 'auto', logger: null });
    expect(b).toBe(a);
  });

  it('refuses an explicit tensorflow choice when no native package loads', async (ctx) => {
    if (nativeInstalled) ctx.skip();
    await expect(initTf({ backend: 'tensorflow', logger: null })).rejects.toSatisfy((e: unknown) => isEvrecError(e, 'UNSUPPORTED'));
    // The failed switch leaves the previous backend active.
    expect(activeBackendName()).toBe('wasm');
  });

  it('switches to the pure-JS CPU backend on an explicit choice, and back', async () => {
    const cpu = await initTf({ backend: 'cpu', logger: null });
    expect(cpu.backend).toBe('cpu');
    expect(cpu.tf.getBackend()).toBe('cpu');
    expect(activeBackendName()).toBe('cpu');
    expect(await initTf({ backend: 'cpu', logger: null })).toBe(cpu);
    const wasm = await initTf({ backend: 'wasm', logger: null });
    expect(wasm.backend).toBe('wasm');
    // Kernel already registered: nothing added the second time.
    expect(wasm.details.kernelsAdded).toEqual([]);
  });
});
