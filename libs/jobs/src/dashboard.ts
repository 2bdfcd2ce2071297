import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { bullConnection, queuePrefix, type JobsConnectionOptions } from './connection.ts';
import { ALL_QUEUES, type QueueName } from './job-types.ts';

type BoardServerAdapter = Parameters<typeof createBullBoard>[0]['serverAdapter'];

export interface JobsDashboardOptions {
  /** The queues to show (see {@link openJobQueues}). */
  queues: readonly Queue[];
  /** URL prefix of the dashboard. Default `/admin/queues`. */
  basePath?: string;
  /** Hide retry/remove/promote buttons. Default false. */
  readOnly?: boolean;
}

/**
 * Mounts the bull-board dashboard (queues, jobs, progress, failure reasons, retry of parked jobs) on
 * a Fastify app. Authentication is the caller's: register it inside a scope whose `onRequest` hook
 * checks the API key.
 */
export async function registerJobsDashboard(app: FastifyInstance, options: JobsDashboardOptions): Promise<void> {
  const basePath = options.basePath ?? '/admin/queues';
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: options.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: options.readOnly ?? false })),
    // @bull-board/fastify pins its own patch release of @bull-board/api: same shape, distinct private members.
    serverAdapter: serverAdapter as unknown as BoardServerAdapter,
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: basePath });
}

/** Queue handles for the dashboard or for producers; close them when done. */
export function openJobQueues(options: JobsConnectionOptions & { queues?: readonly QueueName[] }): Queue[] {
  const connection = bullConnection(options.redisUrl);
  const prefix = queuePrefix(options);
  return (options.queues ?? ALL_QUEUES).map((name) => new Queue(name, { connection, prefix }));
}
