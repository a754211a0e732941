/**
 * What the cloud page bundle takes from the protocol (`@stratus/protocol/page`): the key
 * constants and the media type rules. It runs in every document of every session, so it carries
 * nothing else (esbuild cannot drop unused parts of a CommonJS module).
 */
export { KEYSET, KEYSET_ALL, VK } from './keys';
export { mediaTypeOf } from './media';
