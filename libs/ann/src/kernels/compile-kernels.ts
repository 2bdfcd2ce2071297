/**
 * Compiles the WebAssembly kernels of @evrec/ann from their WAT source with wabt (a devDependency:
 * only this script and its spec load it; the runtime reads the committed bytes) and writes them as
 * base64 constants next to the source:
 *
 *   npx tsx libs/ann/src/kernels/compile-kernels.ts        # dot-scan.wat → dot-scan.wasm.ts
 *
 * The spec (compile-kernels.spec.ts) fails when the committed bytes differ from a fresh compile.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import wabt from 'wabt';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The kernels: WAT source → generated TypeScript module and the name of its base64 constant. */
export const KERNELS = [{ wat: 'dot-scan.wat', module: 'dot-scan.wasm.ts', constant: 'DOT_SCAN_WASM_BASE64' }] as const;

/** Compiles one WAT file of this folder to WebAssembly bytes (SIMD enabled). */
export async function compileWat(watFile: string): Promise<Uint8Array> {
  const tools = await wabt();
  const source = await readFile(here + watFile, 'utf8');
  const module = tools.parseWat(watFile, source, { simd: true });
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

/** The generated module's text for `bytes`. */
export function kernelModuleText(kernel: (typeof KERNELS)[number], bytes: Uint8Array): string {
  return [
    `// Generated from ${kernel.wat} by compile-kernels.ts (wabt, SIMD): do not edit.`,
    '// Regenerate: npx tsx libs/ann/src/kernels/compile-kernels.ts',
    '',
    `/** ${kernel.wat} compiled (${bytes.length} bytes), base64. */`,
    `export const ${kernel.constant} =`,
    `  '${Buffer.from(bytes).toString('base64')}';`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  for (const kernel of KERNELS) {
    const bytes = await compileWat(kernel.wat);
    await writeFile(here + kernel.module, kernelModuleText(kernel, bytes));
    process.stderr.write(`[compile-kernels] ${kernel.wat} → ${kernel.module} (${bytes.length} bytes)\n`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
