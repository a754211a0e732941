/**
 * Follows the document: media elements and objects are adopted as they appear or change source,
 * a removed media element pauses (as the HTML spec says), and any change reschedules the video
 * windows.
 */
import { elementPlayer, existingPlayer } from './element-player';
import { queueTask } from '../tasks';
import { detachObject, objectPlayer } from './object-api';
import { followLayout, scheduleWindows } from './video-window';

function adopt(n: Node): void {
  if (!(n instanceof Element)) return;
  const found = [n, ...Array.from(n.querySelectorAll('video,audio,object'))];
  for (const el of found) {
    if (el instanceof HTMLMediaElement) elementPlayer(el).sync();
    else if (el instanceof HTMLObjectElement) objectPlayer(el);
  }
}

/**
 * A media element taken out of the document pauses, as the HTML spec says. One not put back in
 * the same task (the app is done with it, as most are) gives its device player back, and so does
 * a removed A/V Control or broadcast object: the device's players live as long as the elements.
 */
function removed(n: Node): void {
  if (!(n instanceof Element)) return;
  const found = [n, ...Array.from(n.querySelectorAll('video,audio,object'))];
  for (const el of found) {
    if (el.isConnected) continue;
    if (el instanceof HTMLMediaElement) {
      const p = existingPlayer(el);
      if (!p) continue;
      p.pause();
      queueTask(() => {
        if (!el.isConnected) p.detach();
      });
    } else if (el instanceof HTMLObjectElement) {
      queueTask(() => {
        if (!el.isConnected) detachObject(el);
      });
    }
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
