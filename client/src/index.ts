export { StratusClient } from './client';
export type { ClientOptions, PrewarmRequest } from './client';
export { ControlChannel } from './control-channel';
export type { ControlRequest } from './control-channel';
export { StratusApiError } from './errors';
export { readEventStream } from './events';
export type { StreamItem } from './events';
export { verifyWebhook } from './signature';
