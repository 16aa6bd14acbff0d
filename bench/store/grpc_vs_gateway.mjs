// etcd's two v3 APIs side by side, from one client language in one run:
// gRPC (the npm etcd3 client over @grpc/grpc-js) and the JSON gateway
// (HTTP/1.1 keep-alive, as quarry's EtcdStore uses it). Sequential get,
// put and compare-and-swap, as a store client issues them.
//   node grpc_vs_gateway.mjs HOST:PORT [OPS] [--json]
// Run by grpc_vs_gateway.sh, which starts a one-member etcd on loopback.
import http from 'node:http';
import { Etcd3 } from 'etcd3';

const endpoint = process.argv[2];
const ops = Number(process.argv[3] || 2000);
const asJson = process.argv.includes('--json');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const b64 = (s) => Buffer.from(s).toString('base64');

function gateway(path, body) {
  const data = JSON.stringify(body);
  const [host, port] = endpoint.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      let out = '';
      res.on('data', (c) => { out += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(out)) : reject(new Error(out))));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) await fn(i);
  return ops / (Number(process.hrtime.bigint() - t0) / 1e9);
}

const client = new Etcd3({ hosts: `http://${endpoint}` });
const value = 'x'.repeat(512);
const results = { grpc: {}, gateway: {} };

await client.put('/bench/grpc/k').value(value);
await gateway('/v3/kv/put', { key: b64('/bench/gw/k'), value: b64(value) });
results.grpc.put = await timed((i) => client.put(`/bench/grpc/p${i % 64}`).value(value));
results.gateway.put = await timed((i) => gateway('/v3/kv/put', { key: b64(`/bench/gw/p${i % 64}`), value: b64(value) }));
results.grpc.get = await timed(() => client.get('/bench/grpc/k').string());
results.gateway.get = await timed(() => gateway('/v3/kv/range', { key: b64('/bench/gw/k') }));
results.grpc.cas = await timed(async () => {
  const r = await client.get('/bench/grpc/k').exec();
  const rev = r.kvs[0].mod_revision;
  await client.if('/bench/grpc/k', 'Mod', '==', rev).then(client.put('/bench/grpc/k').value(value)).commit();
});
results.gateway.cas = await timed(async () => {
  const r = await gateway('/v3/kv/range', { key: b64('/bench/gw/k') });
  const rev = r.kvs[0].mod_revision;
  await gateway('/v3/kv/txn', {
    compare: [{ key: b64('/bench/gw/k'), target: 'MOD', result: 'EQUAL', mod_revision: rev }],
    success: [{ request_put: { key: b64('/bench/gw/k'), value: b64(value) } }],
  });
});
client.close();
agent.destroy();

const ratios = {};
for (const op of Object.keys(results.grpc)) ratios[`${op}_grpc/gateway`] = results.grpc[op] / results.gateway[op];
if (asJson) {
  console.log(JSON.stringify({ name: 'etcd_protocols', ops, results, ratios }));
} else {
  console.log(`etcd v3, ${ops} sequential ops each, ops/s (higher is better)`);
  console.log('op    grpc      gateway   grpc/gateway');
  for (const op of Object.keys(results.grpc)) {
    console.log(`${op.padEnd(5)} ${results.grpc[op].toFixed(0).padStart(8)}  ${results.gateway[op].toFixed(0).padStart(8)}  ${ratios[`${op}_grpc/gateway`].toFixed(2)}`);
  }
}
