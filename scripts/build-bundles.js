#!/usr/bin/env node
'use strict';
// Bundles what runs in a browser, after tsc has built and type-checked every package:
// - the device client (already compiled to ES5 by tsc) into one IIFE for TV browsers. esbuild
//   only bundles there; tsc did the ES5 lowering, and a test parses the result as ES5;
// - the cloud page (cloud-page/src, TypeScript for Chromium) into one IIFE that the orchestrator
//   injects into every document of a session (orchestrator/src/page/cloud-page-script.ts).
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
buildSync({
  entryPoints: [join(root, 'cloud-page/src/index.ts')],
  outfile: join(root, 'cloud-page/dist/cloud-page.js'),
  tsconfig: join(root, 'cloud-page/tsconfig.json'),
  bundle: true,
  format: 'iife',
  // Debian's Chromium, the only browser the bundle runs in.
  target: 'chrome120',
  // Parsed in every document of every session: no white space, but names kept, so an error
  // raised in the page still says where.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning'
});
