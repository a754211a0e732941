#!/usr/bin/env node
'use strict';
// Bundles the device client (already compiled to ES5 by tsc) into one IIFE for TV browsers.
// esbuild only bundles here; tsc did the ES5 lowering, and a test parses the result as ES5.
const { buildSync } = require('esbuild');
const { join } = require('node:path');

const root = join(__dirname, '..');
buildSync({
  entryPoints: [join(root, 'stb-client/dist/src/index.js')],
  outfile: join(root, 'stb-client/dist/device/stratus-device.js'),
  bundle: true,
  format: 'iife',
  target: 'es5',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning'
});
