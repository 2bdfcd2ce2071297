/**
 * A worker process for the crash test: serves the queues in EVREC_TEST_QUEUES under the prefix
 * EVREC_TEST_PREFIX with short locks, prints "ready" once listening. The test SIGKILLs it.
 * Run: node --import tsx libs/jobs/src/test-worker.fixture.ts
 */
import { isQueueName, type QueueName } from './job-types.ts';
import { FAST_LOCKS, TEST_REDIS_URL } from './test-harness.fixture.ts';
import { startWorkers } from './workers.ts';

const prefix = process.env.EVREC_TEST_PREFIX;
const queues = (process.env.EVREC_TEST_QUEUES ?? '').split(',').filter(isQueueName) as QueueName[];
if (prefix === undefined || queues.length === 0) throw new Error('EVREC_TEST_PREFIX and EVREC_TEST_QUEUES are required');
await startWorkers({ redisUrl: TEST_REDIS_URL, prefix, queues, ...FAST_LOCKS });
process.stdout.write('ready\n');
