// Starts telegram-test-api (a Bot API emulator) on 127.0.0.1 for kbot's
// end-to-end tests. It listens on $PORT, or on a free port when unset,
// checks that the server answers, then prints its URL on stdout and
// writes it to $KBOT_EMULATOR_URL_FILE when set. SIGTERM/SIGINT stop it.
'use strict';

const fs = require('fs');
const http = require('http');
const net = require('net');
const TelegramServer = require('telegram-test-api');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function probe(url) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/botprobe/getMe`, { method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`getMe answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

async function main() {
  const port = Number(process.env.PORT) || await freePort();
  // storeTimeout: keep unread messages long enough for slow CI machines.
  const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 600 });
  await server.start();
  const url = server.config.apiURL;
  await probe(url);
  if (process.env.KBOT_EMULATOR_URL_FILE) {
    fs.writeFileSync(process.env.KBOT_EMULATOR_URL_FILE, `${url}\n`);
  }
  console.log(url);
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(`emulator failed to start: ${err.message}`);
  process.exit(1);
});
