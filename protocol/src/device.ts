/**
 * What the device bundle takes from the protocol (`@stratus/protocol/device`): the same modules
 * as the package index, less the orchestrator's inbound checks and the message maps' run-time
 * tables, whose types alone the device needs. esbuild cannot drop unused parts of a CommonJS
 * module, so leaving whole modules out is what keeps the TV's download small.
 */
export * from './errors';
export * from './jsonrpc';
export * from './keys';
export * from './schema';
export * from './version';
export * from './encodings';
export * from './fade';
export * from './ui-frame';
export * from './media';
export * from './capabilities';
export * from './reliable-link';
export type {
  ChannelRole,
  DeviceErrorParams,
  DeviceInfo,
  HelloParams,
  HelloResult,
  JoinResult,
  NotificationsOf,
  ParamsOf,
  RequestsOf,
  ResultOf,
  ToChannel,
  ToOrchestrator
} from './messages';
