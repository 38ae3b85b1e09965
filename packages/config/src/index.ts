export { loadConfig, loadDatabaseConfig, STORAGE_GATEWAY_PATH, type Config, type LoadConfigOptions } from './config.js';
export { ConfigError, type ConfigProblem } from './config-error.js';
export { CLIP_DTYPES, SETTING_ALIASES, settingsSchema, type SettingName, type Settings } from './settings.js';
export { createLogger, STOP_TIMEOUT_MS, stopOnSignals } from './runtime.js';
export type { Logger } from 'pino';
export { renderSettingsTable } from './settings-table.js';
