export { DEFAULT_STACK_BUCKET, DEFAULT_STACK_PORTS, LocalStack, STACK_PORT_SETTINGS, type LocalStackOptions, type StackComponent } from './local-stack.js';
export { findLocalGateway, type LocalGateway } from './local-gateway.js';
export { migrateDatabase, type MigrateOptions } from './migrate.js';
export { freePort, isPortFree, PortInUseError } from './ports.js';
export { layoutCluster, MAX_REPLICAS, parseReplicas, type ClusterLayout, type Replicas } from './cluster.js';
export { componentsToStart, runLocal, startLocal, storageViaGateway, type LocalRun, type RunLocalOptions } from './run-local.js';
export { SERVICES, serviceProcess, startService, type RunningService, type ServiceName, type StartServiceOptions } from './services.js';
export { ServerProcess, type ServerProcessOptions } from './process.js';
export { Supervisor, type SupervisedProcess, type SupervisorOptions, type SupervisorOutcome } from './supervisor.js';
