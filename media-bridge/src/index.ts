export * from '@stratus/protocol';
export * from './source-guard';
export * from './probe';
export * from './inspect';
export * from './transcode';
export * from './bridge';
export * from './bridge-app';
export * from './ts-codecs';
