import FakeTimers from '@sinonjs/fake-timers';
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { BASELINE_MEDIA_CAPABILITIES, HelloParams, MediaCapabilities, StratusError } from '@stratus/protocol';
import { Reservations } from '../../src/session/reservations';
import type { Session } from '../../src/session/session';

/** What Reservations uses of a session: its app, screen, close, and what a claim sets on it. */
class FakeSession extends EventEmitter {
  closedWith: StratusError | null = null;
  encodings: string[] | null = null;
  media: MediaCapabilities | null = null;
  readonly layer = { setDeviceEncodings: (e: string[]) => (this.encodings = e) };

  constructor(readonly appId = 'news') {
    super();
  }

  get isClosing(): boolean {
    return this.closedWith !== null;
  }

  info(): { device: { screen: { width: number; height: number } } } {
    return { device: { screen: { width: 1280, height: 720 } } };
  }

  useDeviceMedia(m: MediaCapabilities): void {
    this.media = m;
  }

  async close(reason: StratusError): Promise<void> {
    this.closedWith = reason;
    this.emit('closing');
  }
}

const hello = (extra: Partial<HelloParams> = {}): HelloParams => ({ screen: { width: 1280, height: 720 }, encodings: ['png', 'jpeg'], ...extra }) as HelloParams;
const asSession = (s: FakeSession): Session => s as unknown as Session;

describe('orchestrator/session/reservations: pre-warmed sessions until their device says hello', () => {
  let clock: ReturnType<typeof FakeTimers.install>;
  beforeEach(() => (clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout'] })));
  afterEach(() => clock.uninstall());

  it('gives the reserved session to the hello that fits it, once, with the device encodings and media', () => {
    const r = new Reservations(60000);
    const s = new FakeSession();
    r.add('box', asSession(s), BASELINE_MEDIA_CAPABILITIES);
    expect(r.has('box')).to.equal(true);
    expect(r.claim('other-box', hello(), true)).to.equal(null);
    expect(r.claim('box', hello({ app: 'sport' }), true), 'another app').to.equal(null);
    expect(r.claim('box', hello({ screen: { width: 1920, height: 1080 } }), true), 'another screen').to.equal(null);
    const claim = r.claim('box', hello(), true);
    expect(claim).to.deep.equal({ session: s, claimed: true });
    expect(s.encodings).to.deep.equal(['png', 'jpeg']);
    expect(s.media).to.deep.equal(BASELINE_MEDIA_CAPABILITIES);
    expect(r.has('box')).to.equal(false);
    expect(r.claim('box', hello(), true)).to.equal(null);
    // Claimed: its time to live no longer runs.
    clock.tick(60000);
    expect(s.closedWith).to.equal(null);
  });

  it('closes a session no device claimed within its time to live, and forgets one that closed', () => {
    const r = new Reservations(1000);
    const s = new FakeSession();
    r.add('box', asSession(s), BASELINE_MEDIA_CAPABILITIES);
    clock.tick(999);
    expect(s.closedWith).to.equal(null);
    clock.tick(1);
    expect(s.closedWith?.code).to.equal('STRATUS_IDLE_TIMEOUT');
    expect(r.has('box')).to.equal(false);
    expect(r.sessions()).to.deep.equal([]);
    const t = new FakeSession();
    r.add('box', asSession(t), BASELINE_MEDIA_CAPABILITIES);
    expect(r.sessions()).to.deep.equal([t]);
    // The first one's close, late, does not drop the second.
    s.emit('closing');
    expect(r.has('box')).to.equal(true);
    t.emit('closing');
    expect(r.has('box')).to.equal(false);
  });

  it('closes the reservation as unfit when the device lacks what no transcode makes up for, and still says which session held the place', () => {
    const told: MediaCapabilities = { ...BASELINE_MEDIA_CAPABILITIES, drm: ['widevine'] };
    const r = new Reservations(60000);
    const s = new FakeSession();
    r.add('box', asSession(s), told);
    expect(r.claim('box', hello({ media: BASELINE_MEDIA_CAPABILITIES }), true)).to.deep.equal({ session: s, claimed: false });
    expect(s.closedWith?.code).to.equal('STRATUS_PREWARM_UNFIT');
    expect(s.closedWith?.message).to.match(/widevine/);
    // A lack a transcode makes up for: claimed where the bridge transcodes, unfit where it does not.
    const small: MediaCapabilities = { ...BASELINE_MEDIA_CAPABILITIES, maxVideo: { width: 1280, height: 720 } };
    const a = new FakeSession();
    r.add('box-a', asSession(a), BASELINE_MEDIA_CAPABILITIES);
    expect(r.claim('box-a', hello({ media: small }), true)?.claimed).to.equal(true);
    expect(a.media).to.deep.equal(small);
    const b = new FakeSession();
    r.add('box-b', asSession(b), BASELINE_MEDIA_CAPABILITIES);
    expect(r.claim('box-b', hello({ media: small }), false)?.claimed).to.equal(false);
    expect(b.closedWith?.code).to.equal('STRATUS_PREWARM_UNFIT');
  });
});
