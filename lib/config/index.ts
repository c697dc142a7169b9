export { HOST_NAME, SettingsReader } from './reader.js';
export { resolveConfig, settingsFromContext } from './resolve.js';
export * from './types.js';
