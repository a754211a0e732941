// The coded error class lives in the lowest Node package so the media-bridge, which runs without
// the orchestrator, throws the same errors the orchestrator sends.
export { isStratusError, StratusError } from '@stratus/media-bridge';
