'use strict';
// `@stratus/protocol/device`: the part of the protocol the device bundle needs (src/device.ts).
module.exports = require('./dist/src/device');
