/** The HbbTV terminal's own object factory (OIPF DAE 7.1), where the device page runs on one. */
export interface OipfFactory {
  isObjectSupported?(type: string): boolean;
  createCapabilitiesObject?(): { xmlCapabilities?: Document } | null;
}

export function terminalFactory(): OipfFactory | null {
  return (window as unknown as { oipfObjectFactory?: OipfFactory }).oipfObjectFactory || null;
}

/** Whether the terminal has an object of this type (`video/broadcast`, a DRM agent); false in the emulator. */
export function terminalSupports(type: string): boolean {
  var f = terminalFactory();
  try {
    return !!(f && f.isObjectSupported && f.isObjectSupported(type));
  } catch (e) {
    return false;
  }
}
