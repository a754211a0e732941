/**
 * Follows the document: media elements and objects are adopted as they appear or change source,
 * a removed media element pauses (as the HTML spec says), and any change reschedules the video
 * windows.
 */
import { elementPlayer, existingPlayer } from './element-player';
import { objectPlayer } from './object-api';
import { followLayout, scheduleWindows } from './video-window';

function adopt(n: Node): void {
  if (!(n instanceof Element)) return;
  const found = [n, ...Array.from(n.querySelectorAll('video,audio,object'))];
  for (const el of found) {
    if (el instanceof HTMLMediaElement) elementPlayer(el).sync();
    else if (el instanceof HTMLObjectElement) objectPlayer(el);
  }
}

function removed(n: Node): void {
  if (!(n instanceof Element)) return;
  const found = [n, ...Array.from(n.querySelectorAll('video,audio'))];
  for (const el of found) {
    if (!(el instanceof HTMLMediaElement) || el.isConnected) continue;
    const p = existingPlayer(el);
    if (p) p.pause();
  }
}

export function followDocument(): void {
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      const t = r.target;
      if (r.type === 'attributes' && t instanceof HTMLMediaElement && r.attributeName === 'src') elementPlayer(t).sync();
      else if (r.type === 'attributes' && t instanceof HTMLObjectElement && (r.attributeName === 'data' || r.attributeName === 'type')) objectPlayer(t);
      if (r.type === 'childList') {
        if (t instanceof HTMLMediaElement) elementPlayer(t).sync();
        r.addedNodes.forEach((n) => adopt(n));
        r.removedNodes.forEach((n) => removed(n));
      }
    }
    scheduleWindows();
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: false });
  followLayout();
}
