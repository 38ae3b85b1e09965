export { DEFAULT_STACK_BUCKET, DEFAULT_STACK_PORTS, LocalStack, STACK_PORT_SETTINGS, type LocalStackOptions, type StackComponent } from './local-stack.js';
export { freePort, isPortFree, PortInUseError } from './ports.js';
export { componentsToStart, runLocal, SERVICES, type RunLocalOptions, type ServiceName } from './run-local.js';
