export * from './dist/src/page';
