import { Command, InvalidArgumentError } from 'commander';
import { SCOPES, type Scope } from '@sis/contracts';
import { unwrap, type ApiClient } from '../client.js';

function scopes(value: string): Scope[] {
  const list = value.split(',').map((s) => s.trim());
  const unknown = list.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length || list.length === 0) throw new InvalidArgumentError(`expected a comma list of ${SCOPES.join(', ')}`);
  return list as Scope[];
}

export function keysCommand(client: () => ApiClient): Command {
  const keys = new Command('keys').summary('create, list and revoke API keys (admin)');
  keys
    .command('create')
    .summary('create a key; its secret is printed once')
    .argument('<name>', 'what the key is for')
    .option('--scopes <list>', `comma list of ${SCOPES.join(', ')}`, scopes, ['read', 'write'] as Scope[])
    .action(async (name: string, options: { scopes: Scope[] }) => {
      const created = await unwrap(client().POST('/v1/keys', { body: { name, scopes: options.scopes } }));
      console.log(created.secret);
      console.error(`key ${created.key.id} (${created.key.scopes.join(', ')}): keep the secret above, it is not shown again`);
    });
  keys
    .command('list')
    .summary('list keys (never their secrets)')
    .action(async () => {
      const { items } = await unwrap(client().GET('/v1/keys'));
      for (const key of items) {
        console.log(`${key.id}  ${key.prefix}…  ${key.name}  [${key.scopes.join(',')}]${key.revokedAt ? '  revoked' : ''}${key.lastUsedAt ? `  last used ${key.lastUsedAt}` : ''}`);
      }
    });
  keys
    .command('revoke')
    .summary('revoke a key')
    .argument('<id>', 'key id')
    .action(async (id: string) => {
      const key = await unwrap(client().DELETE('/v1/keys/{id}', { params: { path: { id } } }));
      console.log(`revoked ${key.id} (${key.name})`);
    });
  return keys;
}
