// The floor's signing half: ES256 signatures (node:crypto sign, P-256, ieee-p1363 as JWS wants them) of a signing
// input of a given length, in a loop on this process's main thread, for a given number of seconds. Forked by floor.ts;
// answers over IPC with the signatures made and the CPU and wall time they took.
import { generateKeyPairSync, sign } from 'node:crypto';

const [inputBytes, seconds] = process.argv.slice(2).map(Number);
if (!inputBytes || !seconds || !process.send) throw new Error('usage (forked): sign-loop.ts <signing input bytes> <seconds>');

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
// base64url characters, as a JWS signing input (header.payload) is made of.
const input = Buffer.from('eyJhbGciOiJFUzI1NiJ9.'.repeat(Math.ceil(inputBytes / 21)).slice(0, inputBytes));
const key = { key: privateKey, dsaEncoding: 'ieee-p1363' as const };
for (let i = 0; i < 200; i++) sign('sha256', input, key); // warm-up

const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
const until = wallBefore + seconds * 1000;
let signatures = 0;
while (performance.now() < until) {
  for (let i = 0; i < 100; i++) sign('sha256', input, key);
  signatures += 100;
}
const cpu = process.cpuUsage(cpuBefore);
process.send({ signatures, cpuSeconds: (cpu.user + cpu.system) / 1e6, wallSeconds: (performance.now() - wallBefore) / 1000 }, () => process.disconnect());
