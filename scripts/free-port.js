// Ports for the test services: `node scripts/free-port.js check PORT` exits 1 when PORT is taken on 127.0.0.1;
// `node scripts/free-port.js find FROM [EXCLUDE…]` prints the first free port from FROM upwards (skipping EXCLUDE).
'use strict';
const net = require('node:net');

function isFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function main() {
  const [cmd, first, ...rest] = process.argv.slice(2);
  const port = Number(first);
  if (!Number.isInteger(port) || port < 1024 || port > 65535) throw new Error(`not a port: ${first}`);
  if (cmd === 'check') process.exit((await isFree(port)) ? 0 : 1);
  if (cmd !== 'find') throw new Error('usage: free-port.js check PORT | find FROM [EXCLUDE…]');
  const exclude = new Set(rest.map(Number));
  for (let p = port; p < Math.min(port + 500, 65536); p++) {
    if (!exclude.has(p) && (await isFree(p))) {
      process.stdout.write(`${p}\n`);
      return;
    }
  }
  throw new Error(`no free port in ${port}..${port + 499}`);
}

main().catch((e) => {
  process.stderr.write(`free-port: ${e.message}\n`);
  process.exit(2);
});
