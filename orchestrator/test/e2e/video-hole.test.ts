import { expect } from 'chai';
import { Page } from 'puppeteer-core';
import { MediaOrigin, Overrides } from '@stratus/orchestrator';
import { cloud, devicePixels, near, screenPixel, settle, until, useMediaDevice, useMediaRig } from '@stratus/testkit';

/** The catalogue fixture's colours (fixtures/apps/catalogue/index.html). */
const BG = [0x14, 0x21, 0x3d];
const PANEL = [0x22, 0x28, 0x31];
const CORNER = [0xe6, 0x39, 0x46];
const BAR = { rgb: [20, 40, 200], alpha: 0.5 };
/** The VOD fixture's flat yellow, as decoded (a tolerance covers the codec's rounding). */
const YELLOW = [224, 192, 0];

/** The layer's RGBA at (x, y), as the device holds it. */
async function layerAt(page: Page, x: number, y: number): Promise<number[]> {
  const img = await devicePixels(page);
  const i = (y * img.width + x) * 4;
  return [...img.data.subarray(i, i + 4)];
}

async function shows(page: Page, what: string, x: number, y: number, want: number[], tolerance = 40): Promise<void> {
  let last: number[] = [];
  await until(`${what} at ${x},${y} (last ${last})`, async () => {
    last = await screenPixel(page, x, y);
    return near(last, want, tolerance);
  }).catch(() => {
    throw new Error(`${what} at ${x},${y}: the screen shows ${last}, not ${want}`);
  });
}

/** The catalogue fixture as the rig's only app, its media from the rig's origin. */
function catalogueApp(origin: MediaOrigin): Overrides {
  return {
    apps: {
      default: 'catalogue',
      catalog: JSON.stringify({ catalogue: { url: `/apps/catalogue/?origin=${encodeURIComponent(origin.baseUrl)}`, width: 1280, height: 720 } })
    }
  };
}

describe('the video hole: the device video shows through what the app paints below it', function () {
  this.timeout(120000);
  const rig = useMediaRig(catalogueApp);
  const dev = useMediaDevice(rig);

  it('a video in a box over an opaque background: video inside, the bar blended over it, the tile opaque, the background elsewhere', async () => {
    // With native controls asked for: they are never painted over the device's video.
    await cloud(dev.session, () => {
      (document.getElementById('preview') as HTMLVideoElement).controls = true;
      return (window as any).catalogue.playPreview();
    });
    // The box is 480x270 at (640, 300); the bar covers its lower 60 px; the tile its top-left corner.
    await shows(dev.page, 'video', 1000, 340, YELLOW);
    const video = await screenPixel(dev.page, 1000, 340);
    // Exactly transparent where nothing is over the video, whatever is below it.
    expect(await layerAt(dev.page, 1000, 340)).to.deep.equal([0, 0, 0, 0]);
    // The bar: its own colour and alpha in the layer, and over the video what a browser shows.
    const bar = await layerAt(dev.page, 1000, 540);
    expect(Math.abs(bar[3] - 128), `bar alpha ${bar}`).to.be.at.most(2);
    for (let c = 0; c < 3; c++) expect(Math.abs(bar[c] - BAR.rgb[c]), `bar colour ${bar}`).to.be.at.most(3);
    const blend = video.map((v, c) => BAR.alpha * BAR.rgb[c] + (1 - BAR.alpha) * v);
    await shows(dev.page, 'the bar over the video', 1000, 540, blend, 6);
    // The bar beyond the video: over the background, as before.
    expect(near(await screenPixel(dev.page, 1000, 505), YELLOW), 'video just above the bar').to.equal(true);
    // The tile over the corner: opaque, in the layer and on screen.
    expect(await layerAt(dev.page, 660, 320)).to.deep.equal([...CORNER, 255]);
    await shows(dev.page, 'the corner tile', 660, 320, CORNER, 2);
    // The background around the box stays.
    await shows(dev.page, 'the background', 620, 400, BG, 2);
    await shows(dev.page, 'the background', 1150, 400, BG, 2);
    expect(dev.session.holes!.stats.secondCaptures).to.be.at.least(1);
    // Paused, Chromium's controls would paint a play button in the middle and a panel at the foot.
    await cloud(dev.session, () => (document.getElementById('preview') as HTMLVideoElement).pause());
    await settle(rig.orch, dev.page);
    expect(await layerAt(dev.page, 880, 435), 'no controls in the middle').to.deep.equal([0, 0, 0, 0]);
    expect(await layerAt(dev.page, 1000, 490), 'no controls above the bar').to.deep.equal([0, 0, 0, 0]);
  });

  it('a video in a box with a poster: the poster shows until the device plays, then the video', async () => {
    const poster = 'data:image/svg+xml,' + encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="16" height="9"><rect width="16" height="9" fill="#00a0a0"/></svg>');
    await cloud(dev.session, (p: string) => (window as any).catalogue.loadPreview(p), poster);
    await until('the device to load the preview', () => dev.page.evaluate(() => (window as any).stratusClient.media.ids.length === 1));
    await shows(dev.page, 'the poster', 1000, 340, [0, 160, 160], 4);
    await cloud(dev.session, () => (document.getElementById('preview') as HTMLVideoElement).play());
    await shows(dev.page, 'video in place of the poster', 1000, 340, YELLOW);
  });

  it('full-screen playback over the menu (the app\'s own styles, then the Fullscreen API): only video and the subtitle show', async () => {
    await cloud(dev.session, () => (window as any).catalogue.playFullScreen('css'));
    for (const [x, y] of [[100, 100], [700, 340], [1200, 700]]) await shows(dev.page, 'full-screen video', x, y, YELLOW);
    await shows(dev.page, 'the subtitle over the video', 400, 625, [0, 0, 0], 70);
    const sub = await layerAt(dev.page, 400, 625);
    expect(Math.abs(sub[3] - 191), `subtitle alpha ${sub}`).to.be.at.most(2);
    await cloud(dev.session, () => (document.getElementById('player') as HTMLVideoElement).requestFullscreen());
    await until('the page to be full screen', () => cloud(dev.session, () => document.fullscreenElement !== null));
    for (const [x, y] of [[100, 100], [700, 340], [1200, 700]]) await shows(dev.page, 'full-screen video (API)', x, y, YELLOW);
  });

  it('an A/V Control object and a video/broadcast object in an opaque panel show their picture, the panel around them', async () => {
    await cloud(dev.session, () => (window as any).catalogue.playAvObject());
    // The object: 400x225 at (120, 290); the panel around it.
    await shows(dev.page, 'A/V object video', 140, 310, YELLOW);
    await shows(dev.page, 'the panel', 100, 280, PANEL, 2);
    // HbbTV setFullScreen(true): the picture over the menu (the rail's tiles) too.
    await cloud(dev.session, () => (document.querySelector('#panel object') as any).setFullScreen(true));
    await shows(dev.page, 'full-screen A/V video over the rail', 100, 100, YELLOW);
    await shows(dev.page, 'full-screen A/V video', 1200, 700, YELLOW);
    await cloud(dev.session, () => {
      const o = document.querySelector('#panel object') as any;
      o.stop();
      o.remove();
    });
    await shows(dev.page, 'the panel once stopped', 140, 310, PANEL, 2);
    await cloud(dev.session, () => (window as any).catalogue.bindBroadcast());
    // Channel 1 of the line-up is red.
    await shows(dev.page, 'the broadcast picture', 140, 310, [208, 16, 16]);
    await shows(dev.page, 'the panel', 100, 280, PANEL, 2);
  });

  it('ancestors\' opacity, visibility, overflow and clip-path: the device shows what the browser shows', async () => {
    await cloud(dev.session, () => (window as any).catalogue.playPreview());
    await shows(dev.page, 'video', 1000, 340, YELLOW);
    const stage = (css: string): Promise<void> => cloud(dev.session, (c: string) => (window as any).catalogue.styleStage(c), css);
    await stage('opacity: 0');
    await shows(dev.page, 'the background (opacity 0)', 1000, 340, BG, 2);
    await stage('visibility: hidden');
    await shows(dev.page, 'the background (visibility hidden)', 1000, 340, BG, 2);
    await stage('');
    await shows(dev.page, 'video again', 1000, 340, YELLOW);
    // Half the box clipped away, by overflow and by clip-path: video in the left half only.
    for (const css of ['overflow: hidden; width: 240px', 'clip-path: inset(0 50% 0 0)']) {
      await stage(css);
      await shows(dev.page, `the background right of the clip (${css})`, 1000, 340, BG, 2);
      await shows(dev.page, `video left of the clip (${css})`, 800, 340, YELLOW);
    }
  });
});

describe('the video hole at a fractional scale (a 1080p device, the app authored for 720p)', function () {
  this.timeout(120000);
  const rig = useMediaRig(catalogueApp);
  const dev = useMediaDevice(rig, 'w=1920&h=1080');

  it('the hole, the bar over it and the tile land on device pixels, edges included', async () => {
    await cloud(dev.session, () => (window as any).catalogue.playPreview());
    // The box is at (960, 450) to (1680, 855) in device pixels; the bar from y 765.
    await shows(dev.page, 'video', 1500, 510, YELLOW);
    expect(await layerAt(dev.page, 1500, 510)).to.deep.equal([0, 0, 0, 0]);
    // The box's first and last device pixels are video; the ones just outside are background.
    await shows(dev.page, 'video at the right edge', 1679, 600, YELLOW);
    await shows(dev.page, 'the background right of the box', 1681, 600, BG, 2);
    const bar = await layerAt(dev.page, 1500, 810);
    expect(Math.abs(bar[3] - 128), `bar alpha ${bar}`).to.be.at.most(2);
    expect(await layerAt(dev.page, 990, 480)).to.deep.equal([...CORNER, 255]);
  });
});
