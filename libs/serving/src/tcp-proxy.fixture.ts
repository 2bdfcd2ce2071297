import { connect, createServer as createNetServer, type Socket } from 'node:net';

/**
 * A TCP proxy to 127.0.0.1:`target`, for tests that cut a client's connection to Redis mid-run:
 * `drop()` cuts every open connection, `refuse(true)` cuts new ones at once, `close()` stops
 * listening and drops everything.
 */
export async function startProxy(target: number): Promise<{ port: number; drop: () => void; refuse: (on: boolean) => void; close: () => void }> {
  const sockets = new Set<Socket>();
  let refusing = false;
  const server = createNetServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  const drop = (): void => {
    for (const s of sockets) s.destroy();
  };
  return {
    port: typeof a === 'object' && a !== null ? a.port : 0,
    drop,
    refuse: (on) => void (refusing = on),
    close: () => {
      server.close();
      drop();
    },
  };
}
