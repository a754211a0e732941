/**
 * The non-visual OIPF objects (application manager, capabilities, configuration, DRM agent,
 * parental control manager) as terminals expose them: an `<object type="application/oipf…">`,
 * declared in markup, inserted later or made by oipfObjectFactory, gets the members of its type.
 * Each element has its own backing object, made on first use; the members are defined once on
 * HTMLObjectElement.prototype and answer from the backing of the element's current type. An object
 * of another type (or none) has none of them (undefined, as on a terminal).
 */
import { define } from '../media/define';

/** A backing object: the members of one OIPF type, for one element. */
export type Backing = Record<string, unknown>;

const makers = new Map<string, (el: HTMLObjectElement) => Backing>();
const backings = new WeakMap<HTMLObjectElement, { type: string; backing: Backing }>();
const members = new Set<string>();

function typeOf(el: HTMLObjectElement): string {
  return (el.getAttribute('type') || '').split(';')[0].trim().toLowerCase();
}

export function backingOf(el: HTMLObjectElement): Backing | null {
  const type = typeOf(el);
  const have = backings.get(el);
  if (have && have.type === type) return have.backing;
  const make = makers.get(type);
  if (!make) return null;
  const backing = make(el);
  backings.set(el, { type, backing });
  return backing;
}

/** Whether this environment implements the type (oipfObjectFactory.isObjectSupported). */
export function isOipfType(type: string): boolean {
  return makers.has(type.toLowerCase());
}

/**
 * Registers an OIPF type: `make` builds an element's backing; `names` are its members. Function
 * members are called with the backing as `this`; `on…` members can be set.
 */
export function oipfType(type: string, names: string[], make: (el: HTMLObjectElement) => Backing): void {
  makers.set(type.toLowerCase(), make);
  for (const name of names) {
    if (members.has(name)) continue;
    members.add(name);
    define(HTMLObjectElement.prototype, name, {
      get(this: HTMLObjectElement) {
        const b = backingOf(this);
        if (!b || !(name in b)) return undefined;
        const v = b[name];
        return typeof v === 'function' && !name.startsWith('on') ? (v as (...a: unknown[]) => unknown).bind(b) : v;
      },
      set(this: HTMLObjectElement, v: unknown) {
        const b = backingOf(this);
        if (b && name.startsWith('on') && name in b) b[name] = v;
      }
    });
  }
}

/**
 * Chromium paints an object it has no plugin for as an opaque placeholder unless the object has
 * fallback content; OIPF objects show nothing on a terminal. A style hides them without changing
 * their layout box.
 */
export function hideOipfObjects(types: string[]): void {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`${types.map((t) => `object[type="${t}" i]`).join(', ')} { visibility: hidden !important; }`);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}
