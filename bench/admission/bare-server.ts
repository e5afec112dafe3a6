/**
 * The baseline: a bare `node:https` handler that reads the body and answers one fixed
 * AdmissionReview (allowed) — what any webhook costs before it decides anything: TLS, HTTP and a
 * JSON answer. Run as its own process, like pushgate, with the same certificate.
 *
 *   tsx bench/admission/bare-server.ts PORT CERT_FILE KEY_FILE
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const [port, certFile, keyFile] = process.argv.slice(2);
const answer = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  response: { uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true },
});
const server = createServer(
  { cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: 'TLSv1.2' },
  (req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      res.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(answer),
      });
      res.end(answer);
    });
  },
);
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
