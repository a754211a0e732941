export * from './errors';
export * from './keys';
export * from './schema';
export * from './messages';
export * from './encodings';
export * from './ui-frame';
export * from './media';
export * from './capabilities';
