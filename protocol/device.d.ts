export * from './dist/src/device';
