import { expect } from 'chai';
import { DEFAULTS, mergeConfig, overridesFromArgv, overridesFromEnv } from '../../src/config';
import { StratusError } from '@stratus/protocol';
import { thrownCode } from '@stratus/testkit';
import { Orchestrator } from '../../src/orchestrator';


describe('orchestrator/config', () => {
  it('starts from the one defaults object', () => {
    const cfg = mergeConfig();
    expect(cfg).to.deep.equal(DEFAULTS);
    expect(cfg).to.not.equal(DEFAULTS);
  });

  it('layers environment, then flags, on top', () => {
    const env = overridesFromEnv({ STRATUS_SERVER_PORT: '9000', STRATUS_UI_WINDOW: '3', STRATUS_SERVER_MAX_MESSAGE_BYTES: '4096', PATH: '/bin' });
    const argv = overridesFromArgv(['--server.port=9100', '--chromium.executablePath', '/opt/chromium']);
    const cfg = mergeConfig(env, argv);
    expect(cfg.server.port).to.equal(9100);
    expect(cfg.server.maxMessageBytes).to.equal(4096);
    expect(cfg.ui.window).to.equal(3);
    expect(cfg.chromium.executablePath).to.equal('/opt/chromium');
  });

  it('rejects illegal values with STRATUS_CONFIG_INVALID', () => {
    expect(thrownCode(() => mergeConfig({ server: { port: '70000' } }))).to.equal('STRATUS_CONFIG_INVALID');
    expect(thrownCode(() => mergeConfig({ server: { port: 'eighty' } }))).to.equal('STRATUS_CONFIG_INVALID');
    expect(thrownCode(() => mergeConfig({ ui: { window: 0 } }))).to.equal('STRATUS_CONFIG_INVALID');
    expect(thrownCode(() => mergeConfig({ ui: { tileSize: 2.5 } }))).to.equal('STRATUS_CONFIG_INVALID');
    expect(thrownCode(() => mergeConfig({ nope: { x: 1 } }))).to.equal('STRATUS_CONFIG_INVALID');
    expect(thrownCode(() => mergeConfig({ server: { nope: 1 } }))).to.equal('STRATUS_CONFIG_INVALID');
    expect(thrownCode(() => mergeConfig({ apps: { default: 'missing' } }))).to.equal('STRATUS_CONFIG_INVALID');
    expect(thrownCode(() => mergeConfig({ apps: { catalog: '{not json' } }))).to.equal('STRATUS_CONFIG_INVALID');
    expect(thrownCode(() => mergeConfig({ apps: { catalog: { portal: { url: '/x', width: 5, height: 720 } } } }))).to.equal('STRATUS_CONFIG_INVALID');
    expect(thrownCode(() => overridesFromArgv(['--port=1']))).to.equal('STRATUS_CONFIG_INVALID');
    expect(thrownCode(() => overridesFromArgv(['--server.port']))).to.equal('STRATUS_CONFIG_INVALID');
  });

  it('accepts an app catalogue as JSON', () => {
    const cfg = mergeConfig({ apps: { catalog: '{"tv":{"url":"http://example.test/","width":1920,"height":1080}}', default: 'tv' } });
    expect(cfg.apps.catalog).to.deep.equal({ tv: { url: 'http://example.test/', width: 1920, height: 1080 } });
  });

  it('refuses to start without Chromium, with STRATUS_CHROMIUM_MISSING', async () => {
    let code: string | undefined;
    try {
      await Orchestrator.start(mergeConfig({ server: { port: 0 }, api: { dataDir: '' }, chromium: { executablePath: '/nonexistent/chromium' } }));
    } catch (e) {
      code = (e as StratusError).code;
    }
    expect(code).to.equal('STRATUS_CHROMIUM_MISSING');
  });
});
