// A static file server for the release bundle (dist/), used by the e2e suite (tests/e2e/run.mjs)
// and by `./x serve-dist`. Trunk's own server (`trunk serve`, 0.21) sends every file uncompressed
// and has no option to do otherwise; a host should send the wasm compressed (README, "Hosting").
//
// With `compress`, a file is sent brotli- or gzip-encoded when the browser accepts it: the
// precompressed `file.br` / `file.gz` beside it if there is one (what `precompress` writes, and
// what a static host would serve), else compressed once here and kept in memory.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.json': 'application/json' };
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.wasm', '.css', '.svg', '.json']);

const encoders = {
  br: (body) => zlib.brotliCompressSync(body, { params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
  gzip: (body) => zlib.gzipSync(body, { level: 9 }),
};
const EXT = { br: '.br', gzip: '.gz' };

/// Writes `file.br` and `file.gz` beside every compressible file under `dir`; returns
/// [[name, raw bytes, br bytes, gz bytes]] for the report.
export function precompress(dir) {
  const sizes = [];
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (!fs.statSync(file).isFile() || !COMPRESSIBLE.has(path.extname(name))) continue;
    const body = fs.readFileSync(file);
    const row = [name, body.length];
    for (const enc of ['br', 'gzip']) {
      const packed = encoders[enc](body);
      fs.writeFileSync(file + EXT[enc], packed);
      row.push(packed.length);
    }
    sizes.push(row);
  }
  return sizes;
}

export function staticServer(dir, { compress = false } = {}) {
  const root = path.resolve(dir);
  const cache = new Map(); // `${file}\0${encoding}` → compressed body
  return http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let file = path.join(root, decodeURIComponent(url.pathname));
    if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) { res.writeHead(404).end('not found'); return; }
      const ext = path.extname(file);
      const headers = { 'content-type': types[ext] || 'application/octet-stream' };
      if (compress && COMPRESSIBLE.has(ext)) {
        const accepts = String(req.headers['accept-encoding'] || '');
        const enc = ['br', 'gzip'].find((e) => new RegExp(`\\b${e}\\b`).test(accepts));
        if (enc) {
          const key = `${file}\0${enc}`;
          if (!cache.has(key)) {
            const pre = file + EXT[enc];
            cache.set(key, fs.existsSync(pre) ? fs.readFileSync(pre) : encoders[enc](body));
          }
          body = cache.get(key);
          headers['content-encoding'] = enc;
          headers.vary = 'accept-encoding';
        }
      }
      res.writeHead(200, headers);
      res.end(body);
    });
  });
}

export const listen = (server, port = 0) =>
  new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));

// `node tools/static-server.mjs DIR [PORT]`: precompress DIR, then serve it compressed.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir = 'dist', port = '8080'] = process.argv.slice(2);
  for (const [name, raw, br, gz] of precompress(dir)) {
    console.log(`${name}: ${raw} bytes, brotli ${br}, gzip ${gz}`);
  }
  const server = await listen(staticServer(dir, { compress: true }), Number(port));
  console.log(`serving ${dir} (brotli/gzip) on http://127.0.0.1:${server.address().port}/ (Ctrl-C stops)`);
}
