import { Command } from 'commander';
import { CliError, EXIT } from '../cli-error.js';
import { unwrap, type ApiClient } from '../client.js';

export function jobsCommand(client: () => ApiClient): Command {
  return new Command('jobs')
    .summary('queue counts and recent failures')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const [queues, failed] = await Promise.all([
        unwrap(client().GET('/v1/queues')),
        unwrap(client().GET('/v1/images', { params: { query: { status: 'failed', limit: 20 } } })),
      ]);
      if (options.json) return console.log(JSON.stringify({ ...queues, failed: failed.items }, null, 2));
      for (const queue of queues.queues) {
        console.log(`${queue.name}: ${Object.entries(queue.counts).map(([state, n]) => `${state} ${n}`).join(', ')}`);
      }
      console.log(`images: ${Object.entries(queues.images).map(([status, n]) => `${status} ${n}`).join(', ')}`);
      if (failed.items.length) {
        console.log('recent failures:');
        for (const image of failed.items) console.log(`  ${image.id}  ${image.filename ?? ''}: ${image.error ?? ''}`);
      }
    });
}

export function retryCommand(client: () => ApiClient): Command {
  return new Command('retry')
    .summary('run failed images again (admin)')
    .argument('[id]', 'image id')
    .option('--all-failed', 'every failed image (up to 1,000 per call)')
    .action(async (id: string | undefined, options: { allFailed?: boolean }) => {
      if (options.allFailed) {
        const { count } = await unwrap(client().POST('/v1/jobs/retry-failed'));
        return console.log(`queued ${count} failed images again`);
      }
      if (!id) throw new CliError('give an image id, or --all-failed', EXIT.usage);
      const job = await unwrap(client().POST('/v1/jobs/{id}/retry', { params: { path: { id } } }));
      console.log(`${job.id}: ${job.imageStatus}`);
    });
}
