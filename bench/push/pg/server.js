// push_bench --app pg: a GraphQL API ({ greeting, hits }) over PostgreSQL.
// GET / answers the query { greeting hits }; GET or POST /graphql takes any
// query; GET /up answers 200 once the database does. The database is the
// stack's db service (DB_HOST, DB_PORT from quarry).
const http = require('http');
const { graphql, buildSchema } = require('graphql');
const { Pool } = require('pg');

const schema = buildSchema('type Query { greeting: String! hits: Int! }');
const pool = new Pool({
  host: process.env.DB_HOST,
  port: Number(process.env.DB_PORT || 5432),
  user: 'postgres',
  password: process.env.POSTGRES_PASSWORD,
  database: 'postgres',
  max: 4,
});
let table = null;
const ensureTable = () => (table ??= pool.query('CREATE TABLE IF NOT EXISTS hits (at timestamptz DEFAULT now())')
  .catch((e) => { table = null; throw e; }));
const root = {
  greeting: () => process.env.GREETING || 'hello',
  hits: async () => {
    await ensureTable();
    await pool.query('INSERT INTO hits DEFAULT VALUES');
    const r = await pool.query('SELECT count(*)::int AS n FROM hits');
    return r.rows[0].n;
  },
};

function answer(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
}

async function run(res, source) {
  const result = await graphql({ schema, source, rootValue: root });
  answer(res, result.errors ? 400 : 200, result);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/up') {
    pool.query('SELECT 1').then(() => answer(res, 200, { up: true }), (e) => answer(res, 503, { up: false, error: e.message }));
  } else if (url.pathname === '/') {
    run(res, '{ greeting hits }');
  } else if (url.pathname === '/graphql' && req.method === 'GET') {
    run(res, url.searchParams.get('query') || '');
  } else if (url.pathname === '/graphql' && req.method === 'POST') {
    let body = '';
    req.on('data', (d) => { body += d; if (body.length > 65536) req.destroy(); });
    req.on('end', () => {
      try { run(res, JSON.parse(body).query || ''); } catch (e) { answer(res, 400, { errors: [{ message: e.message }] }); }
    });
  } else {
    answer(res, 404, { error: 'not found' });
  }
});
server.listen(Number(process.env.PORT || 4000), () => console.log('shop api listening'));
