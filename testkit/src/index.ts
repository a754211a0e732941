export * from './wait';
export * from './device';
export * from './raw-device';
export * from './app-server';
export * from './media-rig';
export * from './drop-test';
export * from './failure';
export * from './fixtures';
