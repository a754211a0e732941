import { expect } from 'chai';
import { deviceIp, normalizeIp, sessionUserAgent } from '../../src/identity';

describe('orchestrator/identity', () => {
  const trusted = new Set(['10.0.0.1', '10.0.0.2']);

  it('uses the socket peer when it is not a trusted proxy, whatever the header says', () => {
    expect(deviceIp('::ffff:192.0.2.10', '203.0.113.9', trusted)).to.equal('192.0.2.10');
    expect(deviceIp('2001:db8::1', undefined, trusted)).to.equal('2001:db8::1');
  });

  it('reads the chain from the right behind trusted proxies', () => {
    expect(deviceIp('10.0.0.1', '203.0.113.9', trusted)).to.equal('203.0.113.9');
    expect(deviceIp('10.0.0.1', '198.51.100.1, 203.0.113.9, 10.0.0.2', trusted)).to.equal('203.0.113.9');
    expect(deviceIp('10.0.0.1', ['198.51.100.1', '203.0.113.9'], trusted)).to.equal('203.0.113.9');
  });

  it('stops at garbage in the chain instead of believing it', () => {
    expect(deviceIp('10.0.0.1', 'not-an-ip', trusted)).to.equal('10.0.0.1');
    expect(deviceIp('10.0.0.1', '203.0.113.9, <script>', trusted)).to.equal('10.0.0.1');
    expect(deviceIp('10.0.0.1', '', trusted)).to.equal('10.0.0.1');
    expect(normalizeIp('300.1.1.1')).to.equal(null);
    expect(deviceIp(undefined, '203.0.113.9', trusted)).to.equal(null);
  });

  it('builds a TV-browser user agent naming the device model safely', () => {
    const ua = sessionUserAgent('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36', 'Acme (STB); 9000\r\nX: y', '0.1.0');
    expect(ua).to.equal(
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36 HbbTV/1.6.1 (+DRM; Stratus; Acme _STB__ 9000__X_ y; 0.1.0; ; ) Stratus/0.1.0 (cloud browser)'
    );
  });
});
