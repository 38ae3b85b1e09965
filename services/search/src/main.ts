import { createLogger, loadConfig, stopOnSignals } from '@sis/config';
import { createApp } from './app.js';

const config = loadConfig();
const logger = createLogger(config, 'search');
const server = createApp({ config, logger }).listen(config.http.searchPort, config.http.host, () => {
  logger.info({ port: config.http.searchPort, host: config.http.host }, 'search listening');
});
stopOnSignals(logger, () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))));
