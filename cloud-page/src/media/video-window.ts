/**
 * The device's video windows follow the elements' layout boxes. Windows are recomputed on the
 * next animation frame after anything that can move a box, and per frame only while a CSS
 * transition or animation runs: a static page runs no timer (idle costs nothing).
 */
import type { MediaEventParams } from '@stratus/protocol';
import { nativeFrame } from '../natives';

/** The players of this document, by id; the inbox routes device events through it too. */
export const players = new Map<string, { updateWindow(): void; onDevice(e: MediaEventParams): void; onTracks(e: MediaEventParams): void; refreshHole(): void }>();

let windowsScheduled = false;
let animating = 0;

export function scheduleWindows(): void {
  if (windowsScheduled || players.size === 0) return;
  windowsScheduled = true;
  nativeFrame(() => {
    windowsScheduled = false;
    for (const p of players.values()) p.updateWindow();
    // CSS transitions and animations move boxes without DOM mutations: follow them per frame
    // while they run, and not at all otherwise.
    if (animating > 0) scheduleWindows();
  });
}

export function followLayout(): void {
  for (const type of ['resize', 'scroll', 'fullscreenchange']) window.addEventListener(type, scheduleWindows, true);
  for (const type of ['transitionrun', 'animationstart']) {
    window.addEventListener(
      type,
      () => {
        animating++;
        scheduleWindows();
      },
      true
    );
  }
  for (const type of ['transitionend', 'transitioncancel', 'animationend', 'animationcancel']) {
    window.addEventListener(
      type,
      () => {
        animating = Math.max(0, animating - 1);
        scheduleWindows();
      },
      true
    );
  }
}
