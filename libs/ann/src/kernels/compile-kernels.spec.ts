import { describe, expect, it } from 'vitest';
import { KERNELS, compileWat, kernelModuleText } from './compile-kernels.ts';
import { DOT_SCAN_WASM_BASE64 } from './dot-scan.wasm.ts';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

describe('committed kernels', () => {
  it('dot-scan.wasm.ts holds exactly what wabt compiles from dot-scan.wat (regenerate: npx tsx libs/ann/src/kernels/compile-kernels.ts)', async () => {
    const fresh = await compileWat('dot-scan.wat');
    expect(DOT_SCAN_WASM_BASE64).toBe(Buffer.from(fresh).toString('base64'));
    // The whole generated file too, so its header cannot drift either.
    const kernel = KERNELS[0];
    const committed = await readFile(fileURLToPath(new URL(kernel.module, import.meta.url)), 'utf8');
    expect(committed).toBe(kernelModuleText(kernel, fresh));
  });
});
