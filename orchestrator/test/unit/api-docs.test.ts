import { expect } from 'chai';
import Ajv from 'ajv';
import { Validator } from '@seriousme/openapi-schema-validator';
import openrpcMetaSchema from '@open-rpc/meta-schema';
import jsonSchemaMetaSchema from '@json-schema-tools/meta-schema';
import { TO_ORCHESTRATOR } from '@stratus/protocol';
import { apiDocuments } from '../../src/api/api-docs';
import { CONTROL_METHODS } from '../../src/api/control-methods';
import { ROUTES } from '../../src/api/routes';

describe('api documents: OpenAPI and OpenRPC made from the protocol', () => {
  const docs = apiDocuments();

  it('the OpenAPI document is valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(structuredClone(docs.openapi) as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 1)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
    expect(docs.openapi.openapi).to.equal('3.1.0');
    // The validator does refuse: a response that is not an object is not OpenAPI.
    const broken = structuredClone(docs.openapi) as { paths: Record<string, Record<string, Record<string, unknown>>> };
    broken.paths['/api/apps'].get.responses = { 200: 'fine' };
    expect((await new Validator().validate(broken as Parameters<Validator['validate']>[0])).valid).to.equal(false);
  });

  it('documents every route the router serves, with its request schema', () => {
    const paths = docs.openapi.paths as Record<string, Record<string, any>>;
    for (const r of ROUTES) {
      const op = paths[r.path]?.[r.method];
      expect(op, `${r.method} ${r.path}`).to.be.an('object');
      expect(op.operationId).to.equal(r.operationId);
      if (r.body && r.operationId !== 'sessionRpc') expect(op.requestBody.content['application/json'].schema.type).to.equal('object');
      if (r.auth === 'none') expect(op.security).to.deep.equal([]);
    }
    const count = Object.values(paths).reduce((n, p) => n + Object.keys(p).length, 0);
    expect(count).to.equal(ROUTES.length);
  });

  it('the OpenRPC document is valid against the OpenRPC meta-schema and lists every control method', () => {
    // Both meta-schemas name their own meta-schema URI, which Ajv does not know: they are draft-07 documents.
    const { $schema: _s, ...meta } = openrpcMetaSchema as unknown as Record<string, unknown>;
    const { $schema: _j, ...jsonMeta } = jsonSchemaMetaSchema as unknown as Record<string, unknown>;
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema(jsonMeta, "https://meta.json-schema.tools");
    const validate = ajv.compile(meta);
    const ok = validate(structuredClone(docs.openrpc));
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).to.deep.equal([]);
    expect(ok).to.equal(true);
    expect(validate({ openrpc: '1.3.2', methods: [{ name: 'x' }] }), 'a document without info').to.equal(false);
    const names = (docs.openrpc.methods as Array<{ name: string; params: Array<{ name: string }> }>).map((m) => m.name);
    for (const m of CONTROL_METHODS) expect(names, m).to.include(m);
    expect(names).to.include('session.join');
    // Params are the protocol's own: app.launch takes appId, and media.seek its time.
    const launch = (docs.openrpc.methods as Array<{ name: string; params: Array<{ name: string; required: boolean }> }>).find((m) => m.name === 'app.launch')!;
    expect(launch.params).to.deep.equal([{ name: 'appId', required: true, schema: { type: 'string', maxLength: 64, pattern: TO_ORCHESTRATOR['app.launch'].params.t === 'obj' ? (TO_ORCHESTRATOR['app.launch'].params.props.appId as { pattern: RegExp }).pattern.source : '' } }]);
  });
});
