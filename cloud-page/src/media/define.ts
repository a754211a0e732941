/** Replaces a built-in property the way the platform defines its own: configurable, enumerable. */
export function define(proto: object, name: string, desc: PropertyDescriptor): void {
  Object.defineProperty(proto, name, { configurable: true, enumerable: true, ...desc });
}
