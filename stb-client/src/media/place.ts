/** Puts a video plane element at a rectangle in layer pixels; hidden when not visible or empty. */
export function placeBox(style: CSSStyleDeclaration, rect: { x: number; y: number; width: number; height: number }, visible: boolean): void {
  style.left = Math.round(rect.x) + 'px';
  style.top = Math.round(rect.y) + 'px';
  style.width = Math.round(rect.width) + 'px';
  style.height = Math.round(rect.height) + 'px';
  style.visibility = visible && rect.width > 0 && rect.height > 0 ? 'visible' : 'hidden';
}

/** A new plane element starts as an empty, hidden box until the cloud says where it goes. */
export function hiddenBox(style: CSSStyleDeclaration): void {
  style.position = 'absolute';
  placeBox(style, { x: 0, y: 0, width: 0, height: 0 }, false);
}
