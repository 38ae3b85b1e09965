import { createLogger, loadConfig, stopOnSignals } from '@sis/config';
import { createApp } from './app.js';

const config = loadConfig();
const logger = createLogger(config, 'gateway');
const server = createApp({ config, logger }).listen(config.http.gatewayPort, config.http.host, () => {
  logger.info({ port: config.http.gatewayPort, host: config.http.host }, 'gateway listening');
});
stopOnSignals(logger, () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))));
