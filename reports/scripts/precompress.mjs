// Writes a Brotli (.br) and a gzip (.gz) copy beside every compressible file of a built site, as
// static hosts serve them (nginx gzip_static/brotli_static, most CDNs) and as `finsam serve`
// does: a browser that accepts them downloads a fraction of the bytes.
//   node scripts/precompress.mjs <folder>
// Only text-like files of at least 1 KiB; Parquet, images and fonts are compressed already.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.wasm', '.csv', '.txt', '.map', '.xml']);
const MIN_BYTES = 1024;
// Brotli quality 9 (the highest this script uses) for the small files every page loads (HTML,
// scripts, styles); quality 5 for files of 1 MiB and more (the DuckDB engine, large CSV downloads),
// where quality 9 took most of the compression time for a few per cent fewer bytes.
const LARGE_BYTES = 1024 * 1024;
const quality = (size) => (size >= LARGE_BYTES ? 5 : 9);

function* files(folder) {
	for (const entry of readdirSync(folder, { withFileTypes: true })) {
		const path = join(folder, entry.name);
		if (entry.isDirectory()) yield* files(path);
		else yield path;
	}
}

const folder = process.argv[2];
if (!folder) {
	console.error('usage: node scripts/precompress.mjs <folder>');
	process.exit(2);
}
let count = 0;
let before = 0;
let after = 0;
for (const path of files(folder)) {
	if (!COMPRESSIBLE.has(extname(path)) || statSync(path).size < MIN_BYTES) continue;
	const bytes = readFileSync(path);
	const brotli = brotliCompressSync(bytes, {
		params: { [constants.BROTLI_PARAM_QUALITY]: quality(bytes.length), [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length }
	});
	writeFileSync(`${path}.br`, brotli);
	writeFileSync(`${path}.gz`, gzipSync(bytes, { level: bytes.length >= LARGE_BYTES ? 6 : 9 }));
	count += 1;
	before += bytes.length;
	after += brotli.length;
}
console.log(`precompress: ${count} files, ${before} bytes, ${after} bytes as Brotli`);
