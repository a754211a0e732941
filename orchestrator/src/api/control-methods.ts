import type { Logger } from '../ops/log';
import { isKnownKeyCode, ParamsOf, StratusError, ToOrchestrator } from '@stratus/protocol';
import type { AppEntry } from '../config';
import type { Session } from '../session/session';
import type { Catalogue } from './catalogue';
import { coversApp, coversSession, Principal } from './principal';

/**
 * The session methods an integration client may call, on its control channel or over HTTP
 * (POST /api/sessions/{id}/rpc): one implementation for both transports.
 */
export const CONTROL_METHODS = [
  'session.info',
  'session.close',
  'input.key',
  'app.launch',
  'app.reload',
  'app.message',
  'media.play',
  'media.pause',
  'media.stop',
  'media.seek',
  'media.volume',
  'media.mute',
  'media.tune'
] as const;
export type ControlMethod = (typeof CONTROL_METHODS)[number];

export function isControlMethod(m: string): m is ControlMethod {
  return (CONTROL_METHODS as readonly string[]).includes(m);
}

export interface ControlHost {
  readonly api: { catalogue: Catalogue };
  readonly log: Logger;
  appUrl(app: AppEntry): string;
}

/**
 * Runs one control method on `session` for `principal` (whose scope already covers the session).
 * app.launch also checks that the scope covers the app launched. Rejects with a coded error.
 */
export async function runControl<M extends ControlMethod>(
  host: ControlHost,
  session: Session,
  principal: Principal | null,
  method: M,
  params: ParamsOf<ToOrchestrator[M]>
): Promise<unknown> {
  const p = params as Record<string, unknown>;
  // Checked per call, not only at join: an operator may have launched another owner's app since.
  if (principal && !coversSession(principal, session)) throw new StratusError('STRATUS_FORBIDDEN', `session ${session.id}`);
  switch (method) {
    case 'session.info':
      return session.info();
    case 'session.close':
      await session.close(new StratusError('STRATUS_OPERATOR_CLOSED', typeof p.reason === 'string' ? p.reason : undefined));
      return { closed: true };
    case 'input.key': {
      const code = p.code as number;
      if (!isKnownKeyCode(code)) throw new StratusError('STRATUS_INVALID_PARAMS', `params.code ${code} is not a known key`);
      await session.input.key(code, p.action as 'down' | 'up', undefined);
      return {};
    }
    case 'app.launch': {
      const appId = p.appId as string;
      const app = await host.api.catalogue.get(appId);
      if (!app) throw new StratusError('STRATUS_UNKNOWN_APP', appId);
      if (principal && principal.kind !== 'device' && !coversApp(principal, app.owner)) throw new StratusError('STRATUS_FORBIDDEN', `app ${appId}`);
      return { app: await session.launch(appId, app, host.appUrl(app)) };
    }
    case 'app.reload':
      return { app: await session.reload() };
    case 'app.message':
      return { delivered: await session.message(p.data) };
    default:
      return session.mediaControl(method as Exclude<ControlMethod, 'session.info' | 'session.close' | 'input.key' | `app.${string}`>, p);
  }
}
