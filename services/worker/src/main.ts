import { createLogger, loadConfig, stopOnSignals } from '@sis/config';
import { createHealthServer } from './health-server.js';

const config = loadConfig();
const logger = createLogger(config, 'worker');
const server = createHealthServer().listen(config.http.workerPort, config.http.host, () => {
  logger.info({ port: config.http.workerPort, host: config.http.host }, 'worker health endpoint listening');
});
stopOnSignals(logger, () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))));
