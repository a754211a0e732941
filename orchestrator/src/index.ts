export * from './config';
export * from './errors';
export { Orchestrator } from './orchestrator';
export { Session, layerScale } from './session';
export { LayerStream } from './layer/layer-stream';
export { diffRects } from './layer/damage';
export { decodePng } from './png/decode';
export { encodePngRect } from './png/encode';
export { CHROMIUM_ARGS, launchChromium } from './chromium';
