import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_STACK_PORTS, LocalStack, parseReplicas, runLocal, STACK_PORT_SETTINGS, type Replicas, type StackComponent } from '@sis/local-stack';
import { callerPath } from '../caller.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('expected a port from 1 to 65535');
  return n;
}

/** Options shared by `sis stack` and `sis up`, each defaulting to its SIS_* variable. */
function withStackOptions(command: Command): Command {
  const env = process.env;
  const fromEnv = (component: StackComponent) => (env[STACK_PORT_SETTINGS[component]] ? port(env[STACK_PORT_SETTINGS[component]]!) : DEFAULT_STACK_PORTS[component]);
  return command
    // A folder typed here is the caller's; the default stays where the command runs (under pnpm,
    // the repository root), which is where the other sis commands look for it.
    .option('--data-dir <dir>', 'folder for the servers\' data (env SIS_DATA_DIR)', callerPath, env.SIS_DATA_DIR ?? '.data')
    .option('--pg-port <port>', 'PostgreSQL port (env SIS_PG_PORT)', port, fromEnv('postgres'))
    .option('--pg-replica-port <port>', 'port of the PostgreSQL read replica that --replicas starts (env SIS_PG_REPLICA_PORT)', port, fromEnv('postgres-replica'))
    .option('--redis-port <port>', 'Redis port (env SIS_REDIS_PORT)', port, fromEnv('redis'))
    .option('--s3-port <port>', 'S3 server port (env SIS_S3_PORT)', port, fromEnv('s3'));
}

/** Commander's parser for `--replicas gateway=2,search=2,worker=3`. */
export function replicasOption(value: string): Replicas {
  try {
    return parseReplicas(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

interface StackOptions {
  dataDir: string;
  pgPort: number;
  pgReplicaPort: number;
  redisPort: number;
  s3Port: number;
}
const portsOf = (o: StackOptions) => ({ postgres: o.pgPort, 'postgres-replica': o.pgReplicaPort, redis: o.redisPort, s3: o.s3Port });

export function stackCommand(): Command {
  return withStackOptions(
    new Command('stack')
      .summary('run PostgreSQL + pgvector, Redis and an S3 server for local use')
      .description(
        'Runs private PostgreSQL (with pgvector), Redis and S3 servers on their own ports, with their data under --data-dir, ' +
          'and prints the settings that point sis at them. Data is kept across runs. Ctrl-C stops all of them.',
      ),
  ).action(async (options: StackOptions) => {
    const stack = await LocalStack.start({ dataDir: options.dataDir, ports: portsOf(options) });
    console.log('local stack running; settings for sis:');
    for (const [name, value] of Object.entries(stack.env)) console.log(`  ${name}=${value}`);
    console.log('Ctrl-C stops it.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await stack.stop();
    console.log('local stack stopped');
  });
}

export function upCommand(): Command {
  return withStackOptions(
    new Command('up')
      .summary('run the local stack and all three services in this terminal')
      .description(
        'Starts the local stack for every server the environment does not already name (DATABASE_URL, REDIS_URL, S3_*), ' +
          'migrates the database, then runs gateway, search and worker with prefixed logs. Ctrl-C stops everything. ' +
          'This is what script/server runs. With --replicas, each service runs that many times behind haproxy on the gateway\'s port, ' +
          'and search reads from a streaming replica of the local PostgreSQL, as a cluster would run them.',
      )
      .option('--replicas <counts>', 'processes per service, as gateway=2,search=2,worker=3 (haproxy in front of the gateways)', replicasOption),
  ).action(async (options: StackOptions & { replicas?: Replicas }) => {
    process.exitCode = await runLocal({ dataDir: options.dataDir, ports: portsOf(options), replicas: options.replicas });
  });
}
