import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isEvrecError } from '@evrec/core';
import { readUserIds, recommendationsCsv } from './recommend.ts';

const root = await mkdtemp(join(tmpdir(), 'evrec-cli-recommend-unit-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('recommend CSV and user lists', () => {
  it('writes exactly `User,Events` with space-separated ids, best first, quoting only when needed', () => {
    const csv = recommendationsCsv([
      { userId: 'u1', items: [{ eventId: 'e3' }, { eventId: 'e1' }] },
      { userId: 'u2', items: [] },
      { userId: 'a,b', items: [{ eventId: 'x"y' }] },
    ]);
    expect(csv).toBe('User,Events\nu1,e3 e1\nu2,\n"a,b","x""y"\n');
  });

  it('reads one id per line, skipping blanks and comments, and refuses an empty list', async () => {
    const f = join(root, 'users.txt');
    await writeFile(f, '# header\nu1\r\n\n  u2  \n');
    expect(await readUserIds(f)).toEqual(['u1', 'u2']);
    await writeFile(f, '\n# nothing\n');
    await expect(readUserIds(f)).rejects.toSatisfy((e: unknown) => isEvrecError(e, 'INVALID_INPUT'));
    await expect(readUserIds(join(root, 'missing.txt'))).rejects.toSatisfy((e: unknown) => isEvrecError(e, 'NOT_FOUND'));
  });
});
