// The image's HEALTHCHECK: asks the server's /healthz on loopback, so the image needs no curl.
// Exit 0 when ready, 1 otherwise (what Docker expects).
import http from 'node:http';
import { HEALTH_PATH } from './paths.js';

const port = Number(process.env.PORT ?? 8080);
const request = http.get({ host: '127.0.0.1', port, path: HEALTH_PATH, timeout: 2000 }, (response) => {
  response.resume();
  process.exit(response.statusCode === 200 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('timed out')));
request.on('error', (err) => {
  process.stderr.write(`healthcheck: ${err.message}\n`);
  process.exit(1);
});
