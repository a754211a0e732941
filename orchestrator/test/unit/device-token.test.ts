import { expect } from 'chai';
import { issueDeviceToken, verifyDeviceToken } from '../../src/auth/device-token';
import { INSECURE_DEV_SECRET, mergeConfig } from '../../src/config';
import { thrownCode } from '@stratus/testkit';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';


describe('orchestrator/auth/device-token', () => {
  it('verifies what it issues and returns the claims', () => {
    const now = Date.UTC(2026, 10, 21);
    const t = issueDeviceToken(SECRET, 'stb-42', 60, now);
    expect(verifyDeviceToken(SECRET, t, now + 1000)).to.deep.equal({ dev: 'stb-42', iat: now / 1000, exp: now / 1000 + 60 });
  });

  it('refuses tampered, foreign, malformed and expired tokens with distinct codes', () => {
    const now = Date.now();
    const t = issueDeviceToken(SECRET, 'stb-42', 60, now);
    const [p, body, sig] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ dev: 'stb-1', iat: 0, exp: 9999999999 })).toString('base64url');
    expect(thrownCode(() => verifyDeviceToken(SECRET, `${p}.${forged}.${sig}`, now))).to.equal('STRATUS_AUTH_INVALID');
    expect(thrownCode(() => verifyDeviceToken('another-secret-another-secret-1234', t, now))).to.equal('STRATUS_AUTH_INVALID');
    expect(thrownCode(() => verifyDeviceToken(SECRET, `${p}.${body}`, now))).to.equal('STRATUS_AUTH_INVALID');
    expect(thrownCode(() => verifyDeviceToken(SECRET, 'garbage', now))).to.equal('STRATUS_AUTH_INVALID');
    expect(thrownCode(() => verifyDeviceToken(SECRET, t, now + 61000))).to.equal('STRATUS_AUTH_EXPIRED');
  });

  it('refuses illegal device ids at issue time', () => {
    expect(thrownCode(() => issueDeviceToken(SECRET, 'has space', 60))).to.equal('STRATUS_CONFIG_INVALID');
    expect(thrownCode(() => issueDeviceToken(SECRET, '', 60))).to.equal('STRATUS_CONFIG_INVALID');
  });

  it('production mode refuses the development secret and short secrets', () => {
    expect(thrownCode(() => mergeConfig({ auth: { mode: 'production' } }))).to.equal('STRATUS_INSECURE_CONFIG');
    expect(thrownCode(() => mergeConfig({ auth: { mode: 'production', secret: 'short' } }))).to.equal('STRATUS_INSECURE_CONFIG');
    expect(thrownCode(() => mergeConfig({ auth: { mode: 'staging' } }))).to.equal('STRATUS_CONFIG_INVALID');
    expect(mergeConfig({ auth: { mode: 'production', secret: SECRET } }).auth.secret).to.equal(SECRET);
    expect(mergeConfig().auth.secret).to.equal(INSECURE_DEV_SECRET);
  });
});
