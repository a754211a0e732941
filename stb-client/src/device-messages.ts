/**
 * The device's messages to the orchestrator, built from the protocol's one map: a method that is
 * not in it, or params of the wrong shape, do not compile.
 */
import { NotificationsOf, ParamsOf, RequestsOf, rpcNotification, RpcRequest, rpcRequest, ToOrchestrator } from '@stratus/protocol/device';

export function notification<M extends NotificationsOf<ToOrchestrator>>(method: M, params: ParamsOf<ToOrchestrator[M]>): RpcRequest {
  return rpcNotification(method, params);
}

export function request<M extends RequestsOf<ToOrchestrator>>(id: number, method: M, params: ParamsOf<ToOrchestrator[M]>): RpcRequest {
  return rpcRequest(id, method, params);
}
