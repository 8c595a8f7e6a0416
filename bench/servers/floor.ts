import { createServer } from 'node:http';
import { verifierFromEnv } from '../lib/auth.js';
import { announce, exitOnSignal, readJson, safe } from '../lib/serve.js';
import { answer } from '../lib/work.js';

/** The floor: bare node:http, parsing the JSON-RPC body and answering tools/call itself. */
const verify = await verifierFromEnv();

const server = createServer(
  safe(async (req, res) => {
    if (req.method !== 'POST' || req.url !== '/mcp') return void res.writeHead(404).end();
    if (verify && !(await verify(req.headers.authorization))) return void res.writeHead(401).end();
    const body = await readJson(req);
    if (body === undefined) return void res.writeHead(400).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(body)));
  }),
);

exitOnSignal();
server.listen(0, '127.0.0.1', () => announce(server));
