import { Command } from 'commander';
import { unwrap, type ApiClient } from '../client.js';

/** `sis models`: the embedding models, their state and how much of the library each covers. */
export function modelsCommand(client: () => ApiClient): Command {
  const models = new Command('models').summary('the embedding models: state and coverage');
  models
    .command('list', { isDefault: true })
    .summary('list models, the active one marked')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { json?: boolean }) => {
      const response = await unwrap(client().GET('/v1/models'));
      if (options.json) return console.log(JSON.stringify(response, null, 2));
      if (response.items.length === 0) return console.log('no model yet: the first worker to start registers its own');
      for (const m of response.items) {
        const coverage = `${m.coverage.embedded}/${m.coverage.ready} (${(100 * m.coverage.ratio).toFixed(1)} %)`;
        console.log(`${m.active ? '*' : ' '} ${m.id}  ${m.state.padEnd(8)}  ${m.source}${m.dtype ? ` (${m.dtype})` : ''}  ${m.dimension ?? '?'}-d  ${coverage}${m.error ? `  error: ${m.error}` : ''}`);
      }
    });
  return models;
}
