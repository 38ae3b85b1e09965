import { MODEL_DTYPES, type Model } from '@sis/contracts';
import { Command, InvalidArgumentError, Option } from 'commander';
import { unwrap, type ApiClient } from '../client.js';

/** `sis models`: the embedding models, their state and how much of the library each covers; adding, switching and retiring them. */
export function modelsCommand(client: () => ApiClient): Command {
  const models = new Command('models').summary('the embedding models: list, add, activate, retire');
  models
    .command('list', { isDefault: true })
    .summary('list models, the active one marked')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { json?: boolean }) => {
      const response = await unwrap(client().GET('/v1/models'));
      if (options.json) return console.log(JSON.stringify(response, null, 2));
      if (response.items.length === 0) return console.log('no model yet: the first worker to start registers its own');
      for (const model of response.items) console.log(describe(model));
    });
  models
    .command('add')
    .summary('add a model; workers fill it in, and searches move to it once it is complete')
    .argument('<source>', 'a Hugging Face model id, or a model folder the workers and search services can read')
    .addOption(new Option('--dtype <variant>', 'the ONNX variant to run').choices(MODEL_DTYPES))
    .option('--no-activate', 'keep searching the active model when it is complete (switch later with `sis models activate`)')
    .action(async (source: string, options: { dtype?: (typeof MODEL_DTYPES)[number]; activate: boolean }) => {
      const model = await unwrap(client().POST('/v1/models', { body: { source, ...(options.dtype ? { dtype: options.dtype } : {}), activate: options.activate } }));
      console.log(describe(model));
    });
  models
    .command('activate')
    .summary('make a model the one searches answer from')
    .argument('<id>', 'model id', modelId)
    .option('--force', 'switch even if it has not embedded every ready image yet')
    .action(async (id: number, options: { force?: boolean }) => {
      const model = await unwrap(client().POST('/v1/models/{id}/activate', { params: { path: { id } }, body: { force: options.force ?? false } }));
      console.log(describe(model));
    });
  models
    .command('retire')
    .summary('retire a model that is not active, dropping its vectors')
    .argument('<id>', 'model id', modelId)
    .action(async (id: number) => {
      const model = await unwrap(client().POST('/v1/models/{id}/retire', { params: { path: { id } } }));
      console.log(describe(model));
    });
  return models;
}

function modelId(value: string): number {
  if (!/^[1-9]\d{0,9}$/.test(value)) throw new InvalidArgumentError('a model id is a whole number, as `sis models` lists it');
  return Number(value);
}

/** One line per model: marked when active, with its coverage and, while it fills in, the time left. */
function describe(model: Model): string {
  const { embedded, ready, ratio, etaSeconds } = model.coverage;
  const eta = etaSeconds === null ? '' : `  about ${formatDuration(etaSeconds)} left`;
  return `${model.active ? '*' : ' '} ${model.id}  ${model.state.padEnd(8)}  ${model.source}${model.dtype ? ` (${model.dtype})` : ''}  ${model.dimension ?? '?'}-d  ${embedded}/${ready} (${(100 * ratio).toFixed(1)} %)${eta}${model.error ? `  error: ${model.error}` : ''}`;
}

function formatDuration(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
