import type { Interaction } from '@evrec/core';
import { DatasetWriter, type DatasetManifest } from '@evrec/data';
import type { BulkAccess, ExportLogOptions } from './types.ts';

/** Shared body of `FeatureStore.exportLog()`: log → sorted interactions.jsonl, plus the catalogue. */
export async function exportStoreLog(store: BulkAccess, kind: string, options: ExportLogOptions): Promise<DatasetManifest> {
  const logged: Interaction[] = [];
  for await (const i of store.readLog({ from: options.from, to: options.to })) logged.push(i);
  // Stable: interactions with equal `at` keep ingest order (a register stays before its cancel).
  const sorted = logged.map((x, n) => ({ x, n })).sort((a, b) => a.x.at - b.x.at || a.n - b.n);

  const writer = await DatasetWriter.open(options.outDir, {
    name: options.name ?? 'store-export',
    source: { exportedFrom: kind, from: options.from ?? null, to: options.to ?? null },
  });
  if (options.includeCatalogue ?? true) {
    for await (const u of store.allUsers()) await writer.user(u);
    for await (const e of store.allEvents()) await writer.event(e);
    for await (const f of store.allFriendships()) await writer.friendship(f);
  }
  for (const { x } of sorted) await writer.interaction(x);
  return writer.close();
}
