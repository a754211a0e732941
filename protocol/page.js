'use strict';
// `@stratus/protocol/page`: the part of the protocol the cloud page bundle needs (src/page.ts).
module.exports = require('./dist/src/page');
