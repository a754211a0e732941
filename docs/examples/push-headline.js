#!/usr/bin/env node
'use strict';
// A newsroom backend in a few lines: joins a session running its app, pushes a breaking headline,
// and waits for the app to confirm it. From the repository (or with @stratus/client installed):
//   STRATUS=http://127.0.0.1:8080 KEY=sk_… SESSION=<session id> node docs/examples/push-headline.js "Storm warning"
const { StratusClient } = require('@stratus/client');

async function main() {
  const headline = process.argv[2] || 'Breaking news';
  const client = new StratusClient({ baseUrl: process.env.STRATUS, apiKey: process.env.KEY });
  const channel = await client.join(process.env.SESSION, 'newsroom desk');
  try {
    const id = Date.now();
    const confirmed = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the app did not confirm within 10 s')), 10000);
      channel.on('event', (e) => {
        if (e.type === 'app.message' && e.data.data && e.data.data.ack === id) {
          clearTimeout(timer);
          resolve(e);
        }
      });
    });
    const { delivered } = await channel.call('app.message', { data: { id, breaking: headline } });
    const event = await confirmed;
    console.log(JSON.stringify({ delivered, confirmedBy: event.id, app: event.appId }));
  } finally {
    channel.close();
  }
}

main().catch((err) => {
  console.error(`push-headline: ${err.code || ''} ${err.message}`);
  process.exit(1);
});
