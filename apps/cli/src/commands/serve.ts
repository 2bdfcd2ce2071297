import cluster from 'node:cluster';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { EvrecError, createLogger, loadConfig, throttledStderrProgress, type Config } from '@evrec/core';
import { openJobQueues, registerJobsDashboard } from '@evrec/jobs';
import { ReplicaSupervisor, announceReplicaListening, replicaIndex, startServing, type ClockChoice, type ServingHandle } from '@evrec/serving';
import { DEFAULT_KEY_PREFIX } from '@evrec/store';
import { positiveIntFlag } from './build-index.ts';
import { parseTime } from './materialize.ts';

interface ServeFlags {
  data?: string;
  artifacts?: string;
  port?: string;
  host?: string;
  clock: string;
  log?: string;
  materialize?: boolean;
  pollMs?: string;
  /** false with --no-scoring-thread. */
  scoringThread?: boolean;
  replicas?: string;
  keyPrefix: string;
}

function clockFlag(value: string): ClockChoice {
  if (value === 'auto' || value === 'real') return value;
  return parseTime(value, 'clock');
}

/** The start banner: where it listens, and requests that work against this data (tried once in-process). */
async function banner(h: ServingHandle, url: string, apiKey: string | undefined): Promise<string> {
  const b = h.bundles.current;
  const headers = apiKey === undefined ? {} : { 'x-api-key': apiKey };
  // A user whose list is not empty, among the first the bundle knows.
  let example = { userId: b.embeddings.userIds[0] ?? 'any-user-id', items: [] as Array<{ eventId: string }>, status: 0 };
  for (const userId of b.embeddings.userIds.slice(0, 50)) {
    const r = await h.app.inject({ method: 'GET', url: `/v1/users/${encodeURIComponent(userId)}/recommendations?limit=5`, headers });
    const items = r.statusCode === 200 ? (JSON.parse(r.body) as { items: Array<{ eventId: string }> }).items : [];
    if (example.status === 0 || items.length > example.items.length) example = { userId, items, status: r.statusCode };
    if (items.length >= 5) break;
  }
  const path = `/v1/users/${encodeURIComponent(example.userId)}/recommendations?limit=5`;
  const keyHeader = apiKey === undefined ? '' : " -H \"x-api-key: $EVREC_API_KEY\"";
  const eventId = example.items[0]?.eventId ?? 'EVENT_ID';
  const click = JSON.stringify({ interactions: [{ id: `demo-${Date.now()}`, userId: example.userId, eventId, type: 'click', at: h.clock() }] });
  return [
    `evrec API listening on ${url}`,
    `  bundle ${b.version} (${b.index.size} events indexed, ${h.records.size} in the catalogue), ${h.store.kind} store, ranker on ${b.loadInfo.scoringThread ? `a scoring thread (${h.scoringThread?.backend ?? '?'})` : 'the serving thread'}, clock ${h.clockNote}`,
    `  docs:     ${url}/docs   (OpenAPI ${url}/openapi.json, metrics ${url}/metrics)`,
    `  try:      curl -s '${url}${path}'${apiKey === undefined ? '' : keyHeader}    # ${example.status === 200 ? `${example.items.length} items now` : `HTTP ${example.status}`}`,
    `  feedback: curl -s -X POST '${url}/v1/feedback' -H 'content-type: application/json'${keyHeader} -d '${click}'`,
    apiKey === undefined ? '  (no EVREC_API_KEY set: writes are open on this loopback address)' : '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('Run the ranking API: recommendations, re-ranking, feedback, catalogue updates, metrics, OpenAPI docs; follows newly published bundles')
    .option('--data <dir>', 'native dataset to serve (materialised into the embedded store at start; with REDIS_URL only its events seed the catalogue) (default: $EVREC_DATA; none with Redis)')
    .option('--artifacts <dir>', 'artefact root with a published bundle (embeddings, ann, ranker) (default: $EVREC_ARTIFACTS or artifacts)')
    .option('--port <n>', 'port (default: $EVREC_PORT or 8080; 0 picks a free one)')
    .option('--host <host>', 'interface to bind (default: $EVREC_HOST or 127.0.0.1; anything else requires EVREC_API_KEY)')
    .option('--clock <auto|real|time>', 'serving clock: real time, a start time (epoch ms or ISO 8601) advancing in real time, or auto (the index build time when the bundle\'s events are all in the past)', 'auto')
    .option('--log <path>', 'embedded store: append-only log so feedback survives restarts')
    .option('--materialize', 'with REDIS_URL: also materialise --data into Redis (idempotent)')
    .option('--poll-ms <n>', 'check the current bundle pointer this often besides fs.watch (default 5000)')
    .option('--no-scoring-thread', 'run the ranker on the serving thread instead of a worker thread beside it (default: a worker thread; env EVREC_SCORING_THREAD=0)')
    .option('--replicas <n>', 'API processes on this host sharing the port (node:cluster; a dead one is restarted); more than 1 needs REDIS_URL, through which they share cursors, attribution and catalogue changes (default 1: one process, no cluster)')
    .option('--key-prefix <prefix>', 'with REDIS_URL: key prefix of the store (as `evrec materialize --key-prefix`); the replicas\' shared state lives under <prefix>serving:', DEFAULT_KEY_PREFIX)
    .action(async (flags: ServeFlags) => {
      const replicas = positiveIntFlag(flags.replicas, 'replicas') ?? 1;
      const overrides: Record<string, unknown> = {};
      const api: Record<string, unknown> = {};
      if (flags.artifacts !== undefined) overrides.artifactsDir = flags.artifacts;
      if (flags.port !== undefined) {
        const port = Number(flags.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new EvrecError('INVALID_INPUT', `--port: expected 0-65535, got "${flags.port}"`, { field: 'port' });
        api.port = port;
      }
      if (flags.host !== undefined) api.host = flags.host;
      if (flags.scoringThread === false) api.scoringThread = false;
      overrides.api = api;
      const config = loadConfig({ overrides });
      if (replicas > 1 && cluster.isPrimary) return superviseReplicas(config, replicas);
      const index = replicaIndex();
      const dataDir = flags.data ?? (config.redisUrl === undefined ? config.dataDir : process.env.EVREC_DATA);
      const logger = createLogger({ level: config.logLevel, name: 'evrec.api' });
      // With Redis there are BullMQ queues to watch: mount bull-board at /admin/queues behind the API key.
      const queues = config.redisUrl === undefined ? [] : openJobQueues({ redisUrl: config.redisUrl });
      const h = await startServing({
        config,
        dataDir,
        redisKeyPrefix: flags.keyPrefix,
        replica: index === undefined ? undefined : { id: `${hostname()}-r${index}-${process.pid}` },
        materializeIntoRedis: flags.materialize === true,
        memoryLogPath: flags.log,
        clock: clockFlag(flags.clock),
        bundles: { pollMs: positiveIntFlag(flags.pollMs, 'poll-ms') },
        logger,
        progress: throttledStderrProgress(),
        registerDashboard:
          queues.length === 0
            ? undefined
            : async (app, { requireApiKey }) => {
                await app.register(async (scope) => {
                  scope.addHook('preHandler', requireApiKey);
                  await registerJobsDashboard(scope, { queues });
                });
              },
      });
      const address = await h.listen();
      // One banner per start: a replica set's first replica prints it, the primary adds the summary.
      if (index === undefined || index === 1) process.stdout.write((await banner(h, address, config.api.apiKey)) + '\n');
      announceReplicaListening({ url: address, replicaId: h.replicaId });
      try {
        await new Promise<void>((resolve) => {
          const stop = (signal: string): void => {
            logger.info({ signal, replicaId: h.replicaId }, 'shutting down');
            resolve();
          };
          // A replica may get a signal twice (the terminal's and the primary's): ignore the repeat.
          const on = index === undefined ? process.once.bind(process) : process.on.bind(process);
          on('SIGINT', () => stop('SIGINT'));
          on('SIGTERM', () => stop('SIGTERM'));
        });
        await h.close();
        await Promise.all(queues.map((q) => q.close()));
      } finally {
        // A replica's IPC channel to the primary would keep it alive after the server closed.
        if (index !== undefined) cluster.worker?.disconnect();
      }
    });
}

/**
 * `--replicas N` in the cluster primary: N replicas of this same command (each a worker process
 * running the API on the shared port), restarted when they die, stopped by SIGINT/SIGTERM.
 */
async function superviseReplicas(config: Config, replicas: number): Promise<void> {
  if (config.redisUrl === undefined) {
    throw new EvrecError('CONFIG', `--replicas ${replicas} needs REDIS_URL: replicas share the store, cursors, attribution and catalogue changes through Redis (set REDIS_URL, or use --replicas 1)`, { field: 'replicas' });
  }
  const logger = createLogger({ level: config.logLevel, name: 'evrec.replicas' });
  const supervisor = ReplicaSupervisor.start({ replicas, logger });
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopping every replica');
    void supervisor.stop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    supervisor.ready.then(
      (up) => process.stdout.write(`evrec API: ${up.length} replicas on ${up[0].url} (pids ${up.map((r) => r.pid).join(', ')}); the x-evrec-replica header names the one that answered; SIGINT/SIGTERM stops them all\n`),
      () => undefined,
    );
    await supervisor.stopped;
    if (supervisor.failure !== undefined) throw supervisor.failure;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
